using System.Threading.Channels;

namespace Tally.Engine;

/// <summary>
/// Runs the map step of a job: counts every source into tables and hands each finished source to
/// the merger. The seam between "where the work runs" (one thread, a worker per core, worker
/// processes) and the single merger that reduces, checkpoints and reports.
/// </summary>
/// <remarks>
/// Contract: a finished source's rows are in <see cref="SourceState.WorkerTables"/> (any slots),
/// and nothing touches those tables after the source is written to <c>finished</c>. Sources are
/// written in the order they finish. Count blocks with <see cref="BlockCounter"/>, which also
/// records malformed rows in skip mode. With <see cref="BrokenSourcePolicy.Skip"/>, a source whose
/// reader fails is marked with <see cref="SourceState.Fail"/> and still handed on once its last
/// hold is released (the merger drops its tables); any other failure stops the executor, which
/// throws. When <see cref="RunAsync"/> returns or throws, none of its work is still running.
/// </remarks>
internal interface ISourceExecutor
{
    Task RunAsync(JobContext context, ChannelWriter<SourceState> finished, CancellationToken cancellationToken);
}

/// <summary>What every stage of one job shares: the sources to read, its options, its clock and its rejected rows.</summary>
internal sealed class JobContext(SourceState[] sources, CountOptions options, Func<TimeSpan> elapsed, RejectLog? rejects = null)
{
    /// <summary>The sources the executor reads: the job's, less those resumed from checkpoints.</summary>
    public SourceState[] Sources { get; } = sources;

    public CountOptions Options { get; } = options;

    /// <summary>Where malformed rows go in skip mode; null when they fail the job.</summary>
    public RejectLog? Rejects { get; } = rejects;

    /// <summary>Time since the job started.</summary>
    public TimeSpan Elapsed => elapsed();

    /// <summary>Whether <paramref name="error"/>, thrown by a source's reader, leaves that source out instead of failing the job.</summary>
    public bool LeavesOut(Exception error, CancellationToken cancellationToken)
        => Options.BrokenSources == BrokenSourcePolicy.Skip
            && error is TallyDataException or TallyInputException or PendingLineException
            && !cancellationToken.IsCancellationRequested;
}
