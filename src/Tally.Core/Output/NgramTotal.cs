using System.Buffers;
using System.Text;

namespace Tally.Output;

/// <summary>An ngram and its total match_count.</summary>
/// <param name="Utf8">The ngram's bytes exactly as in the input (not necessarily valid UTF-8).</param>
/// <param name="Total">Its total match_count.</param>
public readonly record struct NgramTotal(ReadOnlyMemory<byte> Utf8, long Total)
{
    /// <summary>The ngram as text; invalid UTF-8 shows as U+FFFD.</summary>
    public string Ngram => Encoding.UTF8.GetString(Utf8.Span);

    /// <summary>Writes the row <c>ngram TAB total LF</c>, the ngram's bytes unchanged: the line <c>-o</c> writes for it.</summary>
    /// <remarks><see cref="ToString"/> decodes the ngram, so two ngrams that differ only in invalid bytes print alike there; this row keeps them apart.</remarks>
    public void WriteTsvRow(IBufferWriter<byte> writer) => TsvRowFormat.Instance.WriteRow(writer, Utf8.Span, Total);

    /// <inheritdoc/>
    public override string ToString() => $"{Ngram}\t{Total}";
}
