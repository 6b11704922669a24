using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Tally.Aggregation;
using Tally.Execution;
using Tally.Executors.Threads;
using Tally.Output;
using Tally.Parsing;
using Tally.Serialization;
using Tally.Sources;

namespace Tally.Engine;

/// <summary>
/// A running count: the total of every key over all rows of all sources, as the map step in
/// <see cref="CountOptions.MapStep"/> reads them (Ngram v2 match_count per ngram by default).
/// Await it (or <see cref="Result"/>) for the result; read <see cref="Completions"/> to see each
/// source finish, in completion order.
/// </summary>
/// <remarks>
/// <para>
/// The job owns every source's state (a <see cref="SourceTask"/>) and the reduce; the executor in
/// <see cref="CountOptions.Executor"/> runs the map step (threads by default: sources read
/// concurrently with bounded read-ahead, cut into line-aligned blocks, counted by
/// <see cref="CountOptions.Workers"/> map workers into tables of their own). A single merger takes
/// each finished source's outcome in completion order, saves its checkpoint and hands its tables to
/// the result (<see cref="TableReducer"/>), which folds them only past a memory budget.
/// </para>
/// <para>
/// Totals are exact and identical for any worker count, block size, executor or source order. So
/// are errors: a source's error is its earliest in file order, and when several sources fail, the
/// job reports the one given first. A source's failure abandons the sources after it, while those
/// before it are counted on, since one of them may fail too.
/// </para>
/// </remarks>
public sealed class CountJob
{
    /// <summary>Completed sources, in completion order; unbounded because it holds one small record per source.</summary>
    private readonly Channel<SourceCompletion> _completions =
        Channel.CreateUnbounded<SourceCompletion>(new UnboundedChannelOptions { SingleWriter = true });

    /// <summary>Finished tasks on their way from the executor to the merger; unbounded because it holds at most one entry per source.</summary>
    private readonly Channel<(SourceTask Task, SourceOutcome Outcome)> _finished =
        Channel.CreateUnbounded<(SourceTask, SourceOutcome)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Cancelled by the caller's token or by a failure of the executor itself; every task's token hangs off it.</summary>
    private readonly CancellationTokenSource _stop;

    private readonly SourceTask[] _tasks;
    private readonly CountOptions _options;
    private readonly long _startTimestamp;

    /// <summary>The failed source given first so far, and its error; written by the merger alone.</summary>
    private (int Index, Exception Error)? _firstFailed;

    private CountJob(IReadOnlyList<DataSource> sources, CountOptions options, IProgress<CountProgress>? progress, CancellationToken cancellationToken)
    {
        _options = options;
        _startTimestamp = options.TimeProvider.GetTimestamp();
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _tasks = [.. sources.Select((s, i) => new SourceTask(s, i, () => Elapsed, _finished.Writer, _stop.Token))];

        // Task.Run so that Start returns at once even when the serial path would otherwise run
        // synchronously up to its first await.
        Result = Task.Run(() => RunAsync(progress, cancellationToken), CancellationToken.None);
    }

    /// <summary>Starts counting <paramref name="sources"/>.</summary>
    /// <param name="sources">The inputs; each is read once.</param>
    /// <param name="options">Worker count, block size and limits; defaults when null.</param>
    /// <param name="progress">Receives a snapshot every <see cref="CountOptions.ProgressInterval"/> and one at the end.</param>
    /// <param name="cancellationToken">Cancels the job: the result then throws <see cref="OperationCanceledException"/> once every worker has stopped.</param>
    /// <exception cref="ArgumentException">The options do not make sense (<see cref="CountOptions.Validate"/>).</exception>
    public static CountJob Start(IReadOnlyList<DataSource> sources, CountOptions? options = null,
        IProgress<CountProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        options ??= new CountOptions();
        options.Validate();
        return new CountJob(sources, options, progress, cancellationToken);
    }

    /// <summary>The final result; faults with <see cref="TallyDataException"/>, <see cref="TallyInputException"/>, <see cref="TallyWorkerException"/> or <see cref="OperationCanceledException"/>.</summary>
    public Task<CountResult> Result { get; }

    /// <summary>Each source as it finishes, in completion order; ends with the job, and throws its error if it fails.</summary>
    /// <remarks>Read it once: every completion is delivered to one reader.</remarks>
    public IAsyncEnumerable<SourceCompletion> Completions => _completions.Reader.ReadAllAsync();

    /// <summary>Lets <c>await job</c> give the result.</summary>
    public TaskAwaiter<CountResult> GetAwaiter() => Result.GetAwaiter();

    /// <summary>A snapshot of the job's progress now.</summary>
    public CountProgress Snapshot() => new(Elapsed, [.. _tasks.Select(s => s.Snapshot())]);

    private TimeSpan Elapsed => _options.TimeProvider.GetElapsedTime(_startTimestamp);

    private async Task<CountResult> RunAsync(IProgress<CountProgress>? progress, CancellationToken cancellationToken)
    {
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task reporter = progress is null ? Task.CompletedTask : ReportProgressAsync(progress, reporting.Token);
        var completed = new List<SourceCompletion>(_tasks.Length);
        try
        {
            var tables = await CountAsync(completed, cancellationToken).ConfigureAwait(false);
            var result = new CountResult(tables, completed, Elapsed, _options.Workers);
            _completions.Writer.TryComplete();
            return result;
        }
        catch (Exception e)
        {
            _completions.Writer.TryComplete(e);
            throw;
        }
        finally
        {
            await reporting.CancelAsync().ConfigureAwait(false);
            await reporter.ConfigureAwait(false);
            progress?.Report(Snapshot());
            foreach (var task in _tasks)
            {
                task.Dispose();
            }

            _stop.Dispose();
        }
    }

    /// <summary>Resumes from checkpoints, then runs the executor (the map step) and the merger (the reduce) side by side.</summary>
    private async Task<IReadOnlyList<CountTable>> CountAsync(List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        var checkpoints = _options.CheckpointDirectory is { } folder ? new CheckpointStore(folder, _options) : null;
        using var rejects = _options.MalformedRows == MalformedRowPolicy.Skip ? new RejectLog(_options.RejectsPath, _options.Workers) : null;

        // Checkpoints are loaded before anything is read, because the executor must know which
        // sources are left to read. One loaded table at a time is alive besides the result.
        var executor = _options.Executor ?? ThreadExecutor.Instance;
        var result = new TableReducer(_options.UnfoldedTableBytes, executor.FoldsTablesOnArrival);
        if (checkpoints is not null)
        {
            await ResumeAsync(checkpoints, result, completed, cancellationToken).ConfigureAwait(false);
        }

        SourceTask[] toRead = [.. _tasks.Where(s => s.Status != SourceStatus.Done)];
        var failure = new FirstFailure(_stop);
        var run = new ExecutorRun(toRead, _options, rejects, () => Elapsed);

        Task map = failure.Guard(async () =>
        {
            try
            {
                await executor.RunAsync(run, _stop.Token).ConfigureAwait(false);
            }
            finally
            {
                _finished.Writer.TryComplete();
            }
        });
        Task reduce = failure.Guard(() => MergeAsync(result, checkpoints, completed, _stop.Token));

        await FirstFailure.QuietlyAsync(map).ConfigureAwait(false);
        await FirstFailure.QuietlyAsync(reduce).ConfigureAwait(false);
        failure.ThrowIfAny(cancellationToken);
        if (_firstFailed is { } first)
        {
            ExceptionDispatchInfo.Throw(first.Error);
        }

        var tables = result.Finish();

        // Every worker has stopped, so the spills are complete; a failed or cancelled job never gets here.
        if (rejects is not null)
        {
            await rejects.WriteAsync(completed.Where(c => c.IsLeftOut).Select(c => c.Index).ToHashSet(), cancellationToken).ConfigureAwait(false);
        }

        return tables;
    }

    /// <summary>Adds every source that has a checkpoint worth trusting to the result, and marks it done.</summary>
    private async Task ResumeAsync(CheckpointStore checkpoints, TableReducer result, List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        foreach (var task in _tasks)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Taken before the source is read: a source changed while being read gets an old
            // identity, so the next run sees the change and counts it again.
            if (await task.Source.IdentifyAsync(cancellationToken).ConfigureAwait(false) is not { } identity)
            {
                continue;
            }

            task.Identity = identity;
            if (checkpoints.TryLoad(identity, out string? problem) is not { } checkpoint)
            {
                task.CheckpointProblem = problem;
                continue;
            }

            var info = checkpoint.Info;
            task.Resume(new SourceFigures(info.StoredBytes, info.Bytes, info.Rows, info.IsCompressed));
            result.Add(checkpoint.Table, task.Name);
            Publish(task, completed, info.SkippedRows, info.SkippedExamples, resumed: true);
        }
    }

    /// <summary>Takes each finished source's outcome in completion order: adds its tables to the result, leaves it out, or records its failure; saves checkpoints.</summary>
    private async Task MergeAsync(TableReducer result, CheckpointStore? checkpoints, List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        await foreach (var (task, outcome) in _finished.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_firstFailed is { } first && task.Index > first.Index)
            {
                // The job fails with an earlier source's error; this one finished before it was abandoned.
                continue;
            }

            if (outcome.Error is { } error)
            {
                if (outcome.IsBroken && _options.BrokenSources == BrokenSourcePolicy.Skip)
                {
                    // Left out entirely: rows counted before the damage showed are dropped with the rest.
                    Publish(task, completed, 0, [], resumed: false, error);
                }
                else
                {
                    Fail(task, error);
                }

                continue;
            }

            var (skipped, examples) = RejectLog.Gather(outcome.Rejects);
            if (checkpoints is not null && task.Identity is { } identity)
            {
                // A checkpoint holds the source's own table, so its partial tables are folded first.
                var table = SourceTable(outcome.Tables, task.Name);
                var figures = new SourceFigures(task.StoredBytes, task.Bytes, task.Rows, task.IsCompressed);
                await checkpoints.SaveAsync(checkpoints.Describe(identity, figures, skipped, examples), table, cancellationToken).ConfigureAwait(false);
                result.Add(table, task.Name);
            }
            else
            {
                // Unfolded: the result folds or sums them when and where it is cheapest.
                foreach (var table in outcome.Tables)
                {
                    result.Add(table, task.Name);
                }
            }

            Publish(task, completed, skipped, examples, resumed: false, format: outcome.Format);
        }
    }

    /// <summary>Records that <paramref name="task"/> failed; the first source given among the failed ones decides the job's error.</summary>
    /// <remarks>
    /// Sources after it can no longer change the outcome, so they are abandoned (their tokens are
    /// cancelled and executors stop them). Sources before it go on: one of them may fail too, and
    /// then its error is the one reported, so the error is the same on every run.
    /// </remarks>
    private void Fail(SourceTask task, Exception error)
    {
        if (_firstFailed is { } first && first.Index < task.Index)
        {
            return;
        }

        _firstFailed = (task.Index, error);
        for (int i = task.Index + 1; i < _tasks.Length; i++)
        {
            _tasks[i].Abandon();
        }
    }

    /// <summary>A finished source's partial tables folded into one (a checkpoint holds the source's own table).</summary>
    private static CountTable SourceTable(IReadOnlyList<CountTable> tables, string source)
    {
        CountTable? into = null;
        foreach (var table in tables)
        {
            if (into is null)
            {
                into = table;
            }
            else
            {
                TableReducer.FoldInto(into, table, source);
            }
        }

        return into ?? new CountTable(capacity: 0);
    }

    private async Task ReportProgressAsync(IProgress<CountProgress> progress, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ProgressInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                progress.Report(Snapshot());
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended; the final snapshot is reported by RunAsync.
        }
    }

    private void Publish(SourceTask task, List<SourceCompletion> completed, long skipped, IReadOnlyList<RejectedRow> examples, bool resumed, Exception? error = null, string? format = null)
    {
        var completion = task.Finish(Elapsed) with { SkippedRows = skipped, SkippedExamples = examples, Resumed = resumed, Error = error, Format = format };
        completed.Add(completion);
        _completions.Writer.TryWrite(completion);
    }
}
