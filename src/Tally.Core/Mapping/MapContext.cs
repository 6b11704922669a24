using Tally.Parsing;

namespace Tally.Mapping;

/// <summary>Where a block comes from: what a <see cref="MapStep"/> needs to report a malformed line.</summary>
/// <remarks>A small value passed by reference once per block; it holds no per-row state.</remarks>
public readonly struct MapContext : IEquatable<MapContext>
{
    /// <summary>Describes a block of <paramref name="sourceName"/> starting at line <paramref name="firstLine"/>.</summary>
    /// <param name="sourceName">The source's display name (a path, or <c>&lt;stdin&gt;</c>).</param>
    /// <param name="firstLine">The 1-based line number of the block's first line.</param>
    /// <param name="rejects">Where malformed rows go in skip mode; null to fail on the first one.</param>
    public MapContext(string sourceName, long firstLine, RejectSink? rejects = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstLine, 1);
        SourceName = sourceName;
        FirstLine = firstLine;
        Rejects = rejects;
    }

    /// <summary>The source's display name, used in messages as <c>name:line: reason</c>.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line number of the block's first line.</summary>
    public long FirstLine { get; }

    /// <summary>Where malformed rows go in skip mode; null when the first one fails the job.</summary>
    public RejectSink? Rejects { get; }

    /// <summary>The line number of the line that starts at <paramref name="offset"/> in <paramref name="block"/>.</summary>
    /// <remarks>Counts the newlines before the offset: call it on the rare malformed line, not per row.</remarks>
    public long LineAt(ReadOnlySpan<byte> block, int offset) => FirstLine + block[..offset].Count((byte)'\n');

    /// <summary>Reports the malformed line starting at <paramref name="lineStart"/>.</summary>
    /// <remarks>
    /// Throws <see cref="TallyDataException"/> (<c>name:line: reason</c>) when <see cref="Rejects"/>
    /// is null; otherwise records the line there and returns, and the step skips the row.
    /// </remarks>
    /// <param name="block">The block passed to <see cref="MapStep.Map"/>.</param>
    /// <param name="lineStart">Offset of the line's first byte in <paramref name="block"/>.</param>
    /// <param name="reason">What is wrong, such as <c>expected 2 columns, found 3</c>.</param>
    /// <exception cref="TallyDataException">Not in skip mode.</exception>
    public void Malformed(ReadOnlySpan<byte> block, int lineStart, string reason)
    {
        long line = LineAt(block, lineStart);
        if (Rejects is null)
        {
            throw new TallyDataException(SourceName, line, reason);
        }

        var rest = block[lineStart..];
        int end = rest.IndexOf((byte)'\n');
        Rejects.Add(line, reason, end < 0 ? rest : rest[..end]);
    }

    /// <inheritdoc/>
    public bool Equals(MapContext other)
        => SourceName == other.SourceName && FirstLine == other.FirstLine && ReferenceEquals(Rejects, other.Rejects);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MapContext other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SourceName, FirstLine, Rejects);

    /// <summary>Whether both describe the same block position and sink.</summary>
    public static bool operator ==(MapContext left, MapContext right) => left.Equals(right);

    /// <summary>Whether they differ.</summary>
    public static bool operator !=(MapContext left, MapContext right) => !left.Equals(right);
}
