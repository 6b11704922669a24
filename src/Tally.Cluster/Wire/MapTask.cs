using Tally.Execution;

namespace Tally.Cluster.Wire;

/// <summary>A map task: counts one source on the node it is placed on and streams back what it finds.</summary>
/// <remarks>
/// One activation per attempt: the coordinator uses a fresh key for every attempt, so a retry never
/// resolves to the activation on a node that died. The method is a stream rather than one reply
/// so that progress arrives while the source is read, and the table comes back in bounded chunks
/// instead of one message near Orleans' body size limit.
/// </remarks>
internal interface IMapTaskGrain : IGrainWithStringKey
{
    /// <summary>Counts the source of <paramref name="order"/>: progress while it reads, then skipped rows, the table's chunks and a last report.</summary>
    // The coordinator learns of a dead node from membership, not from this timeout; a stream's
    // calls return at least every progress interval, so the timeout only bounds a node that hangs
    // without being declared dead, which the coordinator's own no-progress timeout handles first.
    [ResponseTimeout("00:10:00")]
    IAsyncEnumerable<TaskReport> CountAsync(TaskOrder order, CancellationToken cancellationToken = default);
}

/// <summary>Everything a node needs to count one source as the job does.</summary>
[GenerateSerializer, Immutable]
internal sealed record TaskOrder(
    [property: Id(0)] long TaskId,
    [property: Id(1)] string Address,
    [property: Id(2)] string Name,
    [property: Id(3)] string MapStep,
    [property: Id(4)] string MapArguments,
    [property: Id(5)] int BlockSize,
    [property: Id(6)] int MaxLineLength,
    [property: Id(7)] bool SkipMalformedRows,
    [property: Id(8)] bool SkipBrokenSources,
    [property: Id(9)] string? RunPath = null,
    [property: Id(10)] int SampleSize = 0)
{
    public static TaskOrder For(SourceTask task, TaskSettings settings) => new(task.Index, task.Source.Address!, task.Name,
        settings.MapStep.Name, settings.MapStep.Arguments, settings.BlockSize, settings.MaxLineLength,
        settings.MalformedRows == MalformedRowPolicy.Skip, settings.BrokenSources == BrokenSourcePolicy.Skip);
}

/// <summary><see cref="SourceFigures"/> on the wire.</summary>
[GenerateSerializer, Immutable]
internal readonly record struct Figures(
    [property: Id(0)] long StoredBytes,
    [property: Id(1)] long Bytes,
    [property: Id(2)] long Rows,
    [property: Id(3)] bool IsCompressed)
{
    public static Figures Of(SourceFigures figures) => new(figures.StoredBytes, figures.Bytes, figures.Rows, figures.IsCompressed);

    public SourceFigures ToSourceFigures() => new(StoredBytes, Bytes, Rows, IsCompressed);
}

/// <summary>What a report in a task's stream carries.</summary>
internal enum ReportKind
{
    /// <summary>Figures so far.</summary>
    Progress,

    /// <summary>A skipped row (with <see cref="MalformedRowPolicy.Skip"/>).</summary>
    Rejected,

    /// <summary>A piece of the table in <see cref="Serialization.CountTableCodec"/>; the pieces in order are the table.</summary>
    Chunk,

    /// <summary>The table is complete; the final figures.</summary>
    Done,

    /// <summary>The source failed: a data or input error, reported as the thread executor reports it.</summary>
    Failed,

    /// <summary>With <c>--reduce-on-nodes</c>, instead of chunks and Done: the table is written sorted to the order's run path; the data is its <c>RunSummary</c>.</summary>
    Run,
}

/// <summary>Why a task failed, so the coordinator rebuilds the same exception as a local count throws.</summary>
internal enum FailureKind
{
    /// <summary>A <see cref="TallyDataException"/>: a malformed row, a corrupt file.</summary>
    Data,

    /// <summary>A <see cref="TallyInputException"/>: unreadable, or refused by the node.</summary>
    Input,

    /// <summary>Anything else, such as a map step the node does not know.</summary>
    Other,
}

/// <summary>One report of a task's stream.</summary>
/// <remarks>
/// <see cref="Work"/>, in a <see cref="ReportKind.Progress"/> report: how far the task has got, a
/// count that grows only while its work advances: the bytes it has read (inflated), then, with a run
/// to write, those plus the run's bytes written. The coordinator gives up on a task whose reports stop, or
/// keep coming with the same <see cref="Work"/>, for its stall timeout: a read that hangs (a stuck
/// shared volume) leaves the node alive and reporting, but its work still.
/// </remarks>
[GenerateSerializer, Immutable]
internal sealed record TaskReport(
    [property: Id(0)] ReportKind Kind,
    [property: Id(1)] Figures Figures,
    [property: Id(2)] byte[]? Data = null,
    [property: Id(3)] long Line = 0,
    [property: Id(4)] string? Reason = null,
    [property: Id(5)] string? Source = null,
    [property: Id(6)] FailureKind Failure = FailureKind.Other,
    [property: Id(7)] bool IsBroken = false,
    [property: Id(8)] string? Format = null,
    [property: Id(9)] long Work = 0)
{
    public static TaskReport Progress(Figures figures, long work) => new(ReportKind.Progress, figures, Work: work);

    public static TaskReport Failed(Figures figures, string name, Exception error, bool broken) => error switch
    {
        TallyDataException e => new(ReportKind.Failed, figures, null, e.Line ?? 0, e.Reason, e.Source, FailureKind.Data, broken),
        TallyInputException e => new(ReportKind.Failed, figures, null, 0, e.Message, name, FailureKind.Input, broken),
        _ => new(ReportKind.Failed, figures, null, 0, $"{error.GetType().Name}: {error.Message}", name, FailureKind.Other, broken),
    };

    /// <summary>The exception a local count would have thrown.</summary>
    public Exception ToException(string node, string mapStep) => Failure switch
    {
        FailureKind.Data => new TallyDataException(Source ?? "", Line > 0 ? Line : null, Reason ?? ""),
        FailureKind.Input => new TallyInputException(Reason ?? ""),
        _ => new TallyWorkerException(Source, $"map step \"{mapStep}\" failed on node {node}: {Reason}"),
    };
}

/// <summary>A node's control point, placed on the node: the coordinator tells it the job is over.</summary>
internal interface INodeControlGrain : IGrainWithStringKey
{
    /// <summary>The coordinator is leaving: the node leaves this cluster and waits for the next coordinator.</summary>
    Task CoordinatorLeavingAsync();
}
