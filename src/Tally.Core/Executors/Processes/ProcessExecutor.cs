using System.Collections.Concurrent;
using System.Threading.Channels;
using Tally.Execution;
using Tally.Executors.Threads;
using Tally.Serialization;
using Tally.Workers;

namespace Tally.Executors.Processes;

/// <summary>
/// Runs the map step in worker processes: <see cref="ExecutorRun.Workers"/> slots, each owning one
/// worker process at a time and counting one source per task. A source without an
/// <see cref="Sources.DataSource.Address"/> (standard input) cannot be opened by another process
/// and is counted here, serially.
/// </summary>
/// <remarks>
/// <para>
/// Isolation is the point, not speed: a worker that crashes, is killed, or stops speaking the
/// protocol is replaced and its source retried, up to <see cref="TallyDefaults.WorkerRetries"/>
/// times, before the source fails naming the crash. Outcomes the worker reports (a malformed row,
/// an unreadable or broken file, a map step that throws) are not retried: they would come out the
/// same way. Only a source that can be read again (<see cref="Sources.DataSource.CanReopen"/>) is
/// ever sent, so a retry always starts from the source's first byte.
/// </para>
/// <para>
/// The worker counts the source with <see cref="SourceCounter"/>, the routine every executor
/// shares, sends its skipped rows as it finds them and its table when the source is done.
/// </para>
/// </remarks>
public sealed class ProcessExecutor : Executor
{
    /// <summary>The name <c>--executor</c> knows it by.</summary>
    public const string ExecutorName = "processes";

    /// <summary>Creates the executor; workers are started with <paramref name="command"/>.</summary>
    /// <param name="command">
    /// <c>tally worker</c> for the built-in formats, or a program of yours that calls
    /// <see cref="WorkerHost.RunAsync"/> with your steps registered; <see cref="WorkerCommand.ForCurrentProcess"/>
    /// builds it for the running program.
    /// </param>
    public ProcessExecutor(WorkerCommand command)
        : base(ExecutorName)
    {
        ArgumentNullException.ThrowIfNull(command);
        Command = command;
    }

    /// <summary>How a worker process is started.</summary>
    public WorkerCommand Command { get; }

    /// <summary>Test hook: told when a worker process starts, is given a task, or is stopped.</summary>
    internal Action<WorkerEvent>? Events { get; init; }

    /// <inheritdoc/>
    public override async Task RunAsync(ExecutorRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);

        // A failure of the executor itself cancels every slot, and each slot kills its worker on
        // cancellation: a worker blocked on a slow disk cannot delay the job's end.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failure = new Engine.FirstFailure(stop);

        SourceTask[] local = [.. run.Tasks.Where(t => t.Source.Address is null || !t.Source.CanReopen)];
        Task inHere = local.Length == 0
            ? Task.CompletedTask
            : failure.Guard(() => ThreadExecutor.SerialAsync(run, local, stop.Token));

        // Filled up front and then only read: slots take the next source when they are free,
        // so a slot that drew a small file goes on to the next while another counts a big one.
        // In the job's order, so that when a source fails, the sources before it have been sent.
        var queue = Channel.CreateUnbounded<SourceTask>();
        foreach (var task in run.Tasks.Except(local))
        {
            queue.Writer.TryWrite(task);
        }

        queue.Writer.Complete();
        // Whether a source's result was accepted, by task id, so a late duplicate of it is dropped.
        // Per run: task ids are source indexes, which every job numbers from 0.
        var accepted = new ConcurrentDictionary<long, bool>();
        int slots = Math.Min(run.Workers, run.Tasks.Count - local.Length);
        Task[] workers = [.. Enumerable.Range(0, slots)
            .Select(slot => failure.Guard(() => RunSlotAsync(run, slot, queue.Reader, accepted, stop.Token)))];

        await Engine.FirstFailure.QuietlyAsync(inHere).ConfigureAwait(false);
        await Task.WhenAll(workers.Select(Engine.FirstFailure.QuietlyAsync)).ConfigureAwait(false);
        failure.ThrowIfAny(cancellationToken);
    }

    /// <summary>One slot: a worker process at a time, one task at a time, until the queue is empty.</summary>
    private async Task RunSlotAsync(ExecutorRun run, int slot, ChannelReader<SourceTask> queue, ConcurrentDictionary<long, bool> accepted, CancellationToken cancellationToken)
    {
        var worker = new WorkerSlot();
        try
        {
            while (queue.TryRead(out var task))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (task.Token.IsCancellationRequested)
                {
                    continue;
                }

                task.Begin();
                await RunTaskAsync(run, slot, task, worker, accepted, cancellationToken).ConfigureAwait(false);
            }

            if (worker.Process is { } process)
            {
                await process.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // Whatever ended the slot, its worker is waited for: no process outlives the job.
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs one task to its outcome, replacing a worker that fails under it.</summary>
    private async Task RunTaskAsync(ExecutorRun run, int slot, SourceTask task, WorkerSlot worker, ConcurrentDictionary<long, bool> accepted, CancellationToken executor)
    {
        var settings = run.Settings;
        var frame = new TaskFrame(task.Index, task.Source.Address!, task.Name, settings.MapStep.Name, settings.MapStep.Arguments,
            settings.BlockSize, settings.MaxLineLength, settings.MalformedRows, settings.BrokenSources);

        // The task's token also stops the worker: a source the job no longer needs is not counted on.
        using var taskStop = CancellationTokenSource.CreateLinkedTokenSource(executor, task.Token);
        for (int attempt = 0; ; attempt++)
        {
            var rejects = run.CreateRejectSink(task, slot);
            try
            {
                var process = worker.Process ??= await WorkerProcess.StartAsync(Command, settings.MapStep.Name, Events, taskStop.Token).ConfigureAwait(false);
                using var kill = process.KillOn(taskStop.Token);
                var running = process.Channel.RunAsync(frame, task.SetFigures, accepted.ContainsKey, rejects, taskStop.Token);
                Events?.Invoke(new WorkerEvent(WorkerEventKind.TaskSent, process.Id, task.Name, attempt));
                var outcome = await running.ConfigureAwait(false);
                accepted[task.Index] = true;
                task.Complete(outcome);
                return;
            }
            catch (WorkerCrashException crash)
            {
                string reason = worker.Process is { } process ? await process.DescribeCrashAsync(crash).ConfigureAwait(false) : crash.Message;
                await worker.DisposeAsync().ConfigureAwait(false);

                // A worker killed because the job stops, or no longer needs the source, is no crash of the task.
                executor.ThrowIfCancellationRequested();
                if (task.Token.IsCancellationRequested)
                {
                    return;
                }

                run.DiscardRejects(rejects);
                if (attempt == TallyDefaults.WorkerRetries)
                {
                    task.Complete(SourceOutcome.Failed(
                        new TallyWorkerException(task.Name, $"gave up after {attempt + 1} worker processes failed on it; the last {reason}", crash), broken: false));
                    return;
                }

                task.BeginRetry();
            }
            catch (OperationCanceledException) when (task.Token.IsCancellationRequested && !executor.IsCancellationRequested)
            {
                // No longer needed; the worker was killed with the task, so a new one serves the next.
                await worker.DisposeAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>The worker process a slot owns now, if any; replaced when it fails.</summary>
    private sealed class WorkerSlot : IAsyncDisposable
    {
        public WorkerProcess? Process { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Process is { } process)
            {
                Process = null;
                await process.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
