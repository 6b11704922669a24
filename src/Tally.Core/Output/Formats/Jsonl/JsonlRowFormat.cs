using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;

namespace Tally.Output.Formats.Jsonl;

/// <summary>JSON Lines: <c>{"ngram":"...","total":123}</c> and a LF per row, no header.</summary>
/// <remarks>
/// The ngram is a JSON string: a quote, a backslash and control characters are escaped
/// (<c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\u001B</c>); other characters, non-ASCII included, are
/// written as their UTF-8. A key that is not valid UTF-8 is first put in the
/// <see cref="KeyEscape"/> form, so the string holds <c>\\xHH</c> per invalid byte.
/// A <see cref="RecordTable"/> is one object per row, its columns as keys in order:
/// <c>{"ngram":"x","year":1900,"relative_frequency":1.5E-07}</c>; no header, so an empty table
/// is an empty file.
/// </remarks>
public sealed class JsonlRowFormat : TextRowFormat
{
    private static readonly SearchValues<byte> s_needsEscape = SearchValues.Create([(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b)]);

    private JsonlRowFormat()
    {
    }

    /// <summary>The format (it has no settings).</summary>
    public static JsonlRowFormat Instance { get; } = new();

    /// <summary><c>{"ngram":"</c>, <c>","total":</c>, a long's digits and sign (up to 20), <c>}</c> and LF.</summary>
    public override int MaxRowOverhead => 42;

    /// <summary>A control character takes six (<c>\u001B</c>); an escaped invalid byte five (<c>\\xHH</c>).</summary>
    public override int MaxBytesPerKeyByte => 6;

    /// <inheritdoc/>
    protected override int WriteTextRow(Span<byte> destination, ReadOnlySpan<byte> text, long total)
    {
        "{\"ngram\":"u8.CopyTo(destination);
        int used = 9;
        used += WriteString(destination.Slice(used), text);
        ",\"total\":"u8.CopyTo(destination.Slice(used));
        used += 9;
        bool ok = Utf8Formatter.TryFormat(total, destination.Slice(used), out int written);
        Debug.Assert(ok);
        used += written;
        destination[used++] = (byte)'}';
        destination[used++] = (byte)'\n';
        return used;
    }

    /// <inheritdoc/>
    public override bool CanWriteRecords => true;

    /// <inheritdoc/>
    public override void WriteRecord(IBufferWriter<byte> writer, RecordTable table, int row)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(table);
        for (int column = 0; column < table.Columns.Count; column++)
        {
            var values = table.Columns[column];
            writer.Write(column == 0 ? "{"u8 : ","u8);
            WriteTextString(writer, values.Name);
            writer.Write(":"u8);
            if (values.Kind == RecordKind.Text)
            {
                WriteTextString(writer, values.TextAt(row));
            }
            else
            {
                RecordCells.WriteNumber(writer, values, row);
            }
        }

        writer.Write("}\n"u8);
    }

    /// <summary>Writes <paramref name="text"/>, in the <see cref="KeyEscape"/> form, as a JSON string.</summary>
    private static void WriteTextString(IBufferWriter<byte> writer, string text)
    {
        byte[] escaped = RecordCells.EscapedBytes(text);
        writer.Advance(WriteString(writer.GetSpan((escaped.Length * 6) + 2), escaped));
    }

    /// <summary>Writes valid UTF-8 <paramref name="text"/> as a JSON string, quotes included: <c>"</c>, <c>\</c> and control characters escaped.</summary>
    private static int WriteString(Span<byte> destination, ReadOnlySpan<byte> text)
    {
        destination[0] = (byte)'"';
        int used = 1;
        while (!text.IsEmpty)
        {
            int plain = text.IndexOfAny(s_needsEscape);
            if (plain < 0)
            {
                plain = text.Length;
            }

            text.Slice(0, plain).CopyTo(destination.Slice(used));
            used += plain;
            if (plain == text.Length)
            {
                break;
            }

            used += WriteEscape(text[plain], destination.Slice(used));
            text = text.Slice(plain + 1);
        }

        destination[used++] = (byte)'"';
        return used;
    }

    private static int WriteEscape(byte b, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        byte shorthand = b switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'\n' => (byte)'n',
            (byte)'\r' => (byte)'r',
            (byte)'\t' => (byte)'t',
            (byte)'\b' => (byte)'b',
            (byte)'\f' => (byte)'f',
            _ => 0,
        };
        if (shorthand != 0)
        {
            destination[1] = shorthand;
            return 2;
        }

        "u00"u8.CopyTo(destination.Slice(1));
        destination[4] = (byte)"0123456789ABCDEF"[b >> 4];
        destination[5] = (byte)"0123456789ABCDEF"[b & 0xF];
        return 6;
    }
}
