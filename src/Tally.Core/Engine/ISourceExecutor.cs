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
/// written in the order they finish. On failure the executor stops its work and throws; when
/// <see cref="RunAsync"/> returns or throws, none of its work is still running.
/// </remarks>
internal interface ISourceExecutor
{
    Task RunAsync(JobContext context, ChannelWriter<SourceState> finished, CancellationToken cancellationToken);
}

/// <summary>What every stage of one job shares: its sources, its options and its clock.</summary>
internal sealed class JobContext(SourceState[] sources, CountOptions options, Func<TimeSpan> elapsed)
{
    public SourceState[] Sources { get; } = sources;

    public CountOptions Options { get; } = options;

    /// <summary>Time since the job started.</summary>
    public TimeSpan Elapsed => elapsed();
}
