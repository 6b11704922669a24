using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;

namespace Tally.Output.Formats.Csv;

/// <summary>RFC 4180 CSV: a header <c>ngram,total</c>, then <c>ngram,total CRLF</c> per row, the ngram quoted when it holds a comma, a quote, CR or LF.</summary>
/// <remarks>
/// Inside quotes a quote is doubled. A key that is not valid UTF-8 is written in the
/// <see cref="KeyEscape"/> form (<c>\xHH</c> per invalid byte), so every field is UTF-8 text and
/// distinct keys stay distinct.
/// A <see cref="RecordTable"/> is a header of its column names, then a line per row, CRLF ends,
/// text fields by the same rules, numbers in invariant digits.
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
        int used = WriteField(destination, text);
        destination[used++] = (byte)',';
        bool ok = Utf8Formatter.TryFormat(total, destination.Slice(used), out int written);
        Debug.Assert(ok);
        used += written;
        destination[used++] = (byte)'\r';
        destination[used++] = (byte)'\n';
        return used;
    }

    /// <inheritdoc/>
    public override bool CanWriteRecords => true;

    /// <inheritdoc/>
    public override void WriteRecordHeader(IBufferWriter<byte> writer, RecordTable table)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(table);
        for (int column = 0; column < table.Columns.Count; column++)
        {
            WriteTextField(writer, table.Columns[column].Name, column);
        }

        writer.Write("\r\n"u8);
    }

    /// <inheritdoc/>
    public override void WriteRecord(IBufferWriter<byte> writer, RecordTable table, int row)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(table);
        for (int column = 0; column < table.Columns.Count; column++)
        {
            var values = table.Columns[column];
            if (values.Kind == RecordKind.Text)
            {
                WriteTextField(writer, values.TextAt(row), column);
            }
            else
            {
                if (column > 0)
                {
                    writer.Write(","u8);
                }

                RecordCells.WriteNumber(writer, values, row);
            }
        }

        writer.Write("\r\n"u8);
    }

    /// <summary>Writes a comma before any field but the first, then <paramref name="text"/> in the <see cref="KeyEscape"/> form as one field.</summary>
    private static void WriteTextField(IBufferWriter<byte> writer, string text, int column)
    {
        byte[] escaped = RecordCells.EscapedBytes(text);
        var destination = writer.GetSpan((escaped.Length * 2) + 3);
        int used = 0;
        if (column > 0)
        {
            destination[used++] = (byte)',';
        }

        writer.Advance(used + WriteField(destination.Slice(used), escaped));
    }

    /// <summary>Writes <paramref name="text"/> as one field: as it is, or quoted with its quotes doubled when it holds a comma, a quote, CR or LF.</summary>
    private static int WriteField(Span<byte> destination, ReadOnlySpan<byte> text)
    {
        if (text.IndexOfAny(s_needsQuotes) < 0)
        {
            text.CopyTo(destination);
            return text.Length;
        }

        int used = 0;
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
        return used;
    }
}
