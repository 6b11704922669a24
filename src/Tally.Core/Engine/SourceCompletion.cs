namespace Tally.Engine;

/// <summary>One source fully counted: what it held and how long it took.</summary>
/// <param name="Index">The source's position in the job's list.</param>
/// <param name="Name">The source's display name.</param>
/// <param name="IsCompressed">Whether it was gzip.</param>
/// <param name="StoredBytes">Bytes read as stored (compressed size for gzip).</param>
/// <param name="Bytes">Uncompressed bytes.</param>
/// <param name="Rows">Rows counted.</param>
/// <param name="Started">When reading began, from the job's start.</param>
/// <param name="Completed">When its last row was counted and merged, from the job's start.</param>
public sealed record SourceCompletion(
    int Index,
    string Name,
    bool IsCompressed,
    long StoredBytes,
    long Bytes,
    long Rows,
    TimeSpan Started,
    TimeSpan Completed)
{
    /// <summary>Time from the start of reading to completion.</summary>
    public TimeSpan Duration => Completed - Started;

    /// <summary>Times the source was counted again because its worker process crashed or was killed; 0 with threads.</summary>
    public int Retries { get; init; }
}
