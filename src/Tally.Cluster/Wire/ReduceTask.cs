namespace Tally.Cluster.Wire;

/// <summary>A reducer: merges one key range of every map run on shared storage and writes its part file, on the node it is placed on.</summary>
/// <remarks>
/// One activation per attempt, as map tasks: the coordinator uses a fresh key for every attempt.
/// A stream rather than one reply, so progress keeps arriving (and a hung node is noticed by the
/// coordinator's no-progress timeout) while a large range is merged.
/// </remarks>
internal interface IReduceTaskGrain : IGrainWithStringKey
{
    /// <summary>Merges the range of <paramref name="order"/>: progress while it writes, then a last report.</summary>
    [ResponseTimeout("00:10:00")]
    IAsyncEnumerable<ReduceReport> ReduceAsync(ReduceOrder order, CancellationToken cancellationToken = default);
}

/// <summary>Everything a node needs to write one part.</summary>
/// <param name="Part">The range's number, 0 first.</param>
/// <param name="Parts">How many ranges there are: the last one writes the format's footer.</param>
/// <param name="Runs">The accepted map runs' paths, on storage every node reads.</param>
/// <param name="Lower">The range's first key, inclusive; null for the first range.</param>
/// <param name="Upper">The range's end, exclusive; null for the last range.</param>
/// <param name="Format">The output format's name (a text format every node knows).</param>
/// <param name="Path">The part file to write.</param>
[GenerateSerializer, Immutable]
internal sealed record ReduceOrder(
    [property: Id(0)] int Part,
    [property: Id(1)] int Parts,
    [property: Id(2)] string[] Runs,
    [property: Id(3)] byte[]? Lower,
    [property: Id(4)] byte[]? Upper,
    [property: Id(5)] string Format,
    [property: Id(6)] string Path);

/// <summary>What a reducer's report says.</summary>
internal enum ReduceReportKind
{
    /// <summary>Rows written so far.</summary>
    Progress,

    /// <summary>The part is in place: its rows and bytes.</summary>
    Done,

    /// <summary>The part could not be written: the reason.</summary>
    Failed,
}

/// <summary>One report of a reducer's stream.</summary>
[GenerateSerializer, Immutable]
internal sealed record ReduceReport(
    [property: Id(0)] ReduceReportKind Kind,
    [property: Id(1)] long Rows,
    [property: Id(2)] long Bytes = 0,
    [property: Id(3)] string? Reason = null,
    [property: Id(4)] bool IsDataError = false);
