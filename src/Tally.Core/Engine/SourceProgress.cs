namespace Tally.Engine;

/// <summary>A snapshot of one source's progress.</summary>
/// <param name="Name">The source's display name.</param>
/// <param name="Length">Bytes as stored, when known.</param>
/// <param name="StoredBytesRead">Bytes read as stored so far.</param>
/// <param name="Rows">Rows counted so far.</param>
/// <param name="Status">Waiting, running or done.</param>
public sealed record SourceProgress(string Name, long? Length, long StoredBytesRead, long Rows, SourceStatus Status);
