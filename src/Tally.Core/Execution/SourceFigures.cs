namespace Tally.Execution;

/// <summary>How far the counting of one source got.</summary>
/// <param name="StoredBytes">Bytes read as stored (compressed size for gzip).</param>
/// <param name="Bytes">Uncompressed bytes counted.</param>
/// <param name="Rows">Rows counted.</param>
/// <param name="IsCompressed">Whether the source is gzip.</param>
public readonly record struct SourceFigures(long StoredBytes, long Bytes, long Rows, bool IsCompressed);
