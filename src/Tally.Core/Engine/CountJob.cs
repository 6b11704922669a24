using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Tally.Aggregation;
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
/// Sources are read concurrently (<see cref="CountOptions.ConcurrentSources"/> at a time) with
/// bounded read-ahead, cut into line-aligned blocks, and counted by
/// <see cref="CountOptions.Workers"/> map workers, each into tables of its own; a single merger
/// hands each finished source's tables to the result (<see cref="ResultTables"/>), which folds them
/// only past a memory budget and otherwise leaves their sum to the sorted output. Inputs below
/// <see cref="CountOptions.SerialThresholdBytes"/> run on one thread with no pipeline. With
/// <see cref="ExecutorKind.Processes"/> the map step runs in worker processes instead.
/// Totals are exact and identical for any worker count, block size or source order.
/// </remarks>
public sealed partial class CountJob
{
    /// <summary>Completed sources, in completion order; unbounded because it holds one small record per source.</summary>
    private readonly Channel<SourceCompletion> _completions =
        Channel.CreateUnbounded<SourceCompletion>(new UnboundedChannelOptions { SingleWriter = true });

    private readonly SourceState[] _sources;
    private readonly CountOptions _options;
    private readonly long _startTimestamp;

    private CountJob(IReadOnlyList<DataSource> sources, CountOptions options, IProgress<CountProgress>? progress, CancellationToken cancellationToken)
    {
        _options = options;
        _sources = [.. sources.Select((s, i) => new SourceState(s, i, options.Workers))];
        _startTimestamp = options.TimeProvider.GetTimestamp();

        // Task.Run so that Start returns at once even when the serial path would otherwise run
        // synchronously up to its first await.
        Result = Task.Run(() => RunAsync(progress, cancellationToken), CancellationToken.None);
    }

    /// <summary>Starts counting <paramref name="sources"/>.</summary>
    /// <param name="sources">The inputs; each is read once.</param>
    /// <param name="options">Worker count, block size and limits; defaults when null.</param>
    /// <param name="progress">Receives a snapshot every <see cref="CountOptions.ProgressInterval"/> and one at the end.</param>
    /// <param name="cancellationToken">Cancels the job: the result then throws <see cref="OperationCanceledException"/> once every worker has stopped.</param>
    public static CountJob Start(IReadOnlyList<DataSource> sources, CountOptions? options = null,
        IProgress<CountProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        options ??= new CountOptions();
        options.Validate();
        return new CountJob(sources, options, progress, cancellationToken);
    }

    /// <summary>The final result; faults with <see cref="TallyDataException"/>, <see cref="TallyInputException"/> or <see cref="OperationCanceledException"/>.</summary>
    public Task<CountResult> Result { get; }

    /// <summary>Each source as it finishes, in completion order; ends with the job, and throws its error if it fails.</summary>
    /// <remarks>Read it once: every completion is delivered to one reader.</remarks>
    public IAsyncEnumerable<SourceCompletion> Completions => _completions.Reader.ReadAllAsync();

    /// <summary>Lets <c>await job</c> give the result.</summary>
    public TaskAwaiter<CountResult> GetAwaiter() => Result.GetAwaiter();

    /// <summary>A snapshot of the job's progress now.</summary>
    public CountProgress Snapshot() => new(Elapsed, [.. _sources.Select(s => s.Snapshot())]);

    private TimeSpan Elapsed => _options.TimeProvider.GetElapsedTime(_startTimestamp);

    private async Task<CountResult> RunAsync(IProgress<CountProgress>? progress, CancellationToken cancellationToken)
    {
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task reporter = progress is null ? Task.CompletedTask : ReportProgressAsync(progress, reporting.Token);
        var completed = new List<SourceCompletion>(_sources.Length);
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
        }
    }

    /// <summary>Resumes from checkpoints, then runs the executor (the map step) and the merger (the reduce) side by side.</summary>
    private async Task<IReadOnlyList<CountTable>> CountAsync(List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        var checkpoints = _options.CheckpointDirectory is { } folder ? new CheckpointStore(folder) : null;
        using var rejects = _options.MalformedRows == MalformedRowPolicy.Skip ? new RejectLog(_options.RejectsPath, _options.Workers) : null;

        // Checkpoints are loaded before anything is read, because the executor must know which
        // sources are left to read. One loaded table at a time is alive besides the result.
        var result = new ResultTables(_options.UnfoldedTableBytes);
        if (checkpoints is not null)
        {
            Resume(checkpoints, result, completed, cancellationToken);
        }

        SourceState[] toRead = [.. _sources.Where(s => s.Status != SourceStatus.Done)];

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failure = new FirstFailure(stop);

        // Unbounded is safe: it holds at most one entry per source.
        var finished = Channel.CreateUnbounded<SourceState>(new UnboundedChannelOptions { SingleReader = true });
        ISourceExecutor executor = SelectExecutor(toRead);
        var context = new JobContext(toRead, _options, () => Elapsed, rejects);

        Task map = failure.Guard(async () =>
        {
            try
            {
                await executor.RunAsync(context, finished.Writer, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                finished.Writer.TryComplete();
            }
        });
        Task reduce = failure.Guard(() => MergeAsync(finished.Reader, result, checkpoints, completed, stop.Token));

        await FirstFailure.Quietly(map).ConfigureAwait(false);
        await FirstFailure.Quietly(reduce).ConfigureAwait(false);
        failure.ThrowIfAny(cancellationToken);
        var tables = result.Finish();

        // Every worker has stopped, so the spills are complete; a failed or cancelled job never gets here.
        if (rejects is not null)
        {
            await rejects.WriteAsync(completed.Where(c => c.IsLeftOut).Select(c => c.Index).ToHashSet(), cancellationToken).ConfigureAwait(false);
        }

        return tables;
    }

    /// <summary>Adds every source that has a checkpoint worth trusting to the result, and marks it done.</summary>
    private void Resume(CheckpointStore checkpoints, ResultTables result, List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        bool skipsRows = _options.MalformedRows == MalformedRowPolicy.Skip;
        bool writesRejects = _options.RejectsPath is not null;
        foreach (var source in _sources)
        {
            if (source.Source is not FileSource file)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Taken before the file is read: a file changed while being read gets an old stamp, so
            // the next run sees the change and counts it again.
            source.Stamp = FileStamp.Of(file.Path);
            if (checkpoints.TryLoad(source, skipsRows, writesRejects, out string? problem) is not { } checkpoint)
            {
                source.CheckpointProblem = problem;
                continue;
            }

            var info = checkpoint.Info;
            source.Resume(info, Elapsed);
            result.Add(checkpoint.Table, source);
            Publish(source, completed, info.SkippedRows, info.SkippedExamples, resumed: true);
        }
    }

    /// <summary>Adds each finished source's tables to the result, in completion order; drops those left out; saves checkpoints.</summary>
    private async Task MergeAsync(ChannelReader<SourceState> finished, ResultTables result, CheckpointStore? checkpoints,
        List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        await foreach (var source in finished.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (source.Failure is not null)
            {
                // Left out entirely: rows counted before the damage showed are dropped with the
                // rest. No worker touches these tables any more (the source's holds are all released).
                Array.Clear(source.WorkerTables);
                Array.Clear(source.WorkerRejects);
                Publish(source, completed, 0, [], resumed: false);
                continue;
            }

            if (source.DeferredError is { } error)
            {
                // Every block of the source has been released, so a pending line can be resolved.
                ExceptionDispatchInfo.Throw(PendingLineException.Resolved(error));
            }

            var (skipped, examples) = RejectLog.Gather(source);
            if (checkpoints is not null && source.Stamp is { } stamp)
            {
                // A checkpoint holds the source's own table, so its worker tables are merged first.
                var table = SourceTable(source);
                var info = new CheckpointInfo(CheckpointStore.Format, stamp, source.IsCompressed, source.StoredBytes, source.Bytes, source.Rows, skipped, examples);
                await checkpoints.SaveAsync(info, table, cancellationToken).ConfigureAwait(false);
                result.Add(table, source);
            }
            else
            {
                // Unmerged: the result folds or sums them when and where it is cheapest.
                for (int w = 0; w < source.WorkerTables.Length; w++)
                {
                    if (source.WorkerTables[w] is { } table)
                    {
                        source.WorkerTables[w] = null;
                        result.Add(table, source);
                    }
                }
            }

            Publish(source, completed, skipped, examples, resumed: false);
        }
    }

    /// <summary>A finished source's worker tables folded into one (a checkpoint holds the source's own table); clears their slots.</summary>
    private static CountTable SourceTable(SourceState source)
    {
        CountTable? into = null;
        for (int w = 0; w < source.WorkerTables.Length; w++)
        {
            if (source.WorkerTables[w] is { } table)
            {
                source.WorkerTables[w] = null;
                if (into is null)
                {
                    into = table;
                }
                else
                {
                    ResultTables.FoldInto(into, table, source);
                }
            }
        }

        return into ?? new CountTable(capacity: 0);
    }

    private bool IsSmall(SourceState[] sources)
    {
        long total = 0;
        foreach (var source in sources)
        {
            if (source.Source.Length is not { } length)
            {
                return false;
            }

            total += length;
        }

        return total < _options.SerialThresholdBytes;
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

    private void Publish(SourceState source, List<SourceCompletion> completed, long skipped, IReadOnlyList<RejectedRow> examples, bool resumed)
    {
        var completion = source.Complete(Elapsed) with { SkippedRows = skipped, SkippedExamples = examples, Resumed = resumed };
        completed.Add(completion);
        _completions.Writer.TryWrite(completion);
    }
}
