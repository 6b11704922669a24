using System.Buffers;
using System.Text;

namespace Tally.Output;

/// <summary>A key and its total, as the map step made them: an ngram and its total match_count for the Ngram formats.</summary>
/// <param name="Utf8">The key's bytes exactly as in the input (not necessarily valid UTF-8).</param>
/// <param name="Total">Its total.</param>
public readonly record struct KeyTotal(ReadOnlyMemory<byte> Utf8, long Total)
{
    /// <summary>The key as text; invalid UTF-8 shows as U+FFFD.</summary>
    public string Key => Encoding.UTF8.GetString(Utf8.Span);

    /// <summary>Writes the row <c>key TAB total LF</c>, the key's bytes unchanged: the line <c>-o</c> writes for it.</summary>
    /// <remarks><see cref="ToString"/> decodes the key, so two keys that differ only in invalid bytes print alike there; this row keeps them apart.</remarks>
    public void WriteTsvRow(IBufferWriter<byte> writer) => TsvRowFormat.Instance.WriteRow(writer, Utf8.Span, Total);

    /// <summary>
    /// The top's order, as a heap's minimum sees it: the smaller total first, and among equal totals
    /// the key later in byte order, so a top list keeps the earliest keys of a tie. Every top list
    /// (<see cref="CountResult.Top"/>, over a table or over the sorted keys) ranks by this.
    /// </summary>
    internal static int CompareForTop(long xTotal, ReadOnlySpan<byte> xKey, long yTotal, ReadOnlySpan<byte> yKey)
    {
        int byTotal = xTotal.CompareTo(yTotal);
        return byTotal != 0 ? byTotal : yKey.SequenceCompareTo(xKey);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Key}\t{Total}";
}
