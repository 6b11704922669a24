using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;

namespace Tally.Output.Formats.Csv;

/// <summary>RFC 4180 CSV: a header <c>ngram,total</c>, then <c>ngram,total CRLF</c> per row, the ngram quoted when it holds a comma, a quote, CR or LF.</summary>
/// <remarks>
/// Inside quotes a quote is doubled. A key that is not valid UTF-8 is written in the
/// <see cref="KeyEscape"/> form (<c>\xHH</c> per invalid byte), so every field is UTF-8 text and
/// distinct keys stay distinct.
/// </remarks>
public sealed class CsvRowFormat : TextRowFormat
{
    private static readonly SearchValues<byte> s_needsQuotes = SearchValues.Create(",\"\r\n"u8);

    private CsvRowFormat()
    {
    }

    /// <summary>The format (it has no settings).</summary>
    public static CsvRowFormat Instance { get; } = new();

    /// <summary>Two quotes, a comma, a long's digits and sign (up to 20), CR LF.</summary>
    public override int MaxRowOverhead => 25;

    /// <summary>An escaped invalid byte takes four (<c>\xHH</c>); a doubled quote two.</summary>
    public override int MaxBytesPerKeyByte => KeyEscape.MaxBytesPerKeyByte;

    /// <inheritdoc/>
    public override void WriteHeader(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("ngram,total\r\n"u8);
    }

    /// <inheritdoc/>
    protected override int WriteTextRow(Span<byte> destination, ReadOnlySpan<byte> text, long total)
    {
        int used;
        if (text.IndexOfAny(s_needsQuotes) < 0)
        {
            text.CopyTo(destination);
            used = text.Length;
        }
        else
        {
            used = 0;
            destination[used++] = (byte)'"';
            foreach (byte b in text)
            {
                destination[used++] = b;
                if (b == '"')
                {
                    destination[used++] = (byte)'"';
                }
            }

            destination[used++] = (byte)'"';
        }

        destination[used++] = (byte)',';
        bool ok = Utf8Formatter.TryFormat(total, destination.Slice(used), out int written);
        Debug.Assert(ok);
        used += written;
        destination[used++] = (byte)'\r';
        destination[used++] = (byte)'\n';
        return used;
    }
}
