using System.Threading.Channels;
using Tally.Serialization;
using Tally.Sources;
using Tally.Workers;

namespace Tally.Engine;

/// <summary>
/// Runs the map step in worker processes: <see cref="CountOptions.Workers"/> slots, each owning
/// one worker process at a time and counting one file source per task. Sources that are not files
/// (standard input) cannot be opened by another process and are counted here, serially.
/// </summary>
/// <remarks>
/// <para>
/// Isolation is the point, not speed: a worker that crashes, is killed, or stops speaking the
/// protocol is replaced and its source retried, up to <see cref="TallyDefaults.WorkerRetries"/>
/// times, before the job fails naming the source. Errors the worker reports (a malformed row, an
/// unreadable file, a map step that throws) are not retried: they would fail again the same way.
/// </para>
/// <para>
/// The worker sends its whole partial table when the source is done; this executor puts it in
/// the source's first table slot and hands the source to the merger, like any other executor.
/// </para>
/// </remarks>
internal sealed class ProcessExecutor : ISourceExecutor
{
    /// <summary>1 once a source's result was accepted, by source index (the task id); a second result is dropped.</summary>
    private int[] _finished = [];

    public async Task RunAsync(JobContext context, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        var options = context.Options;
        _finished = new int[context.Sources.Length];

        // The first failure cancels every slot, and each slot kills its worker on cancellation:
        // a worker blocked on a slow disk cannot delay the job's end.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failure = new FirstFailure(stop);

        SourceState[] local = [.. context.Sources.Where(s => s.Source is not FileSource)];
        Task inHere = local.Length == 0
            ? Task.CompletedTask
            : failure.Guard(() => SerialExecutor.Instance.RunAsync(new JobContext(local, options, () => context.Elapsed), finished, stop.Token));

        // Filled up front and then only read: slots take the next source when they are free,
        // so a slot that drew a small file goes on to the next while another counts a big one.
        var queue = Channel.CreateUnbounded<SourceState>();
        foreach (var source in context.Sources.Where(s => s.Source is FileSource))
        {
            queue.Writer.TryWrite(source);
        }

        queue.Writer.Complete();
        int slots = Math.Min(options.Workers, context.Sources.Length - local.Length);
        Task[] workers = [.. Enumerable.Range(0, slots)
            .Select(_ => failure.Guard(() => RunSlotAsync(context, queue.Reader, finished, stop.Token)))];

        await FirstFailure.Quietly(inHere).ConfigureAwait(false);
        await Task.WhenAll(workers.Select(FirstFailure.Quietly)).ConfigureAwait(false);
        failure.ThrowIfAny(cancellationToken);
    }

    /// <summary>One slot: a worker process at a time, one task at a time, until the queue is empty.</summary>
    private async Task RunSlotAsync(JobContext context, ChannelReader<SourceState> queue, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var command = options.WorkerCommand!;
        WorkerProcess? worker = null;
        try
        {
            while (queue.TryRead(out var source))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var file = (FileSource)source.Source;
                var task = new TaskFrame(source.Index, Path.GetFullPath(file.Path), source.Name, options.MapStep.Name, options.BlockSize, options.MaxLineLength);
                source.BeginRemote(context.Elapsed);
                for (int attempt = 0; ; attempt++)
                {
                    try
                    {
                        worker ??= await WorkerProcess.StartAsync(command, options.MapStep.Name, options.WorkerEvents, cancellationToken).ConfigureAwait(false);
                        using var kill = worker.KillOn(cancellationToken);
                        var running = worker.Channel.RunAsync(task,
                            f => source.SetRemote(f.StoredBytes, f.Bytes, f.Rows, f.IsCompressed), IsFinished, cancellationToken);
                        options.WorkerEvents?.Invoke(new WorkerEvent(WorkerEventKind.TaskSent, worker.Id, source.Name, attempt));
                        var result = await running.ConfigureAwait(false);
                        Accept(source, result, finished);
                        break;
                    }
                    catch (WorkerCrashException crash)
                    {
                        // A worker killed because the job stops is no crash of the task.
                        cancellationToken.ThrowIfCancellationRequested();
                        string reason = worker is null ? crash.Message : await worker.DescribeCrashAsync(crash).ConfigureAwait(false);
                        if (worker is not null)
                        {
                            await worker.DisposeAsync().ConfigureAwait(false);
                            worker = null;
                        }

                        if (attempt == TallyDefaults.WorkerRetries)
                        {
                            throw new TallyWorkerException(source.Name, $"gave up after {attempt + 1} worker processes failed on it; the last {reason}", crash);
                        }

                        source.BeginRetry();
                    }
                }
            }

            if (worker is not null)
            {
                await worker.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (worker is not null)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private bool IsFinished(long taskId) => taskId >= 0 && taskId < _finished.Length && Volatile.Read(ref _finished[taskId]) == 1;

    /// <summary>Puts a result in the source's table slot and hands the source on, once per source.</summary>
    private void Accept(SourceState source, TaskResult result, ChannelWriter<SourceState> finished)
    {
        if (Interlocked.Exchange(ref _finished[source.Index], 1) == 1)
        {
            return;
        }

        var figures = result.Figures;
        source.SetRemote(figures.StoredBytes, figures.Bytes, figures.Rows, figures.IsCompressed);
        source.WorkerTables[0] = result.Table;
        finished.TryWrite(source);
    }
}
