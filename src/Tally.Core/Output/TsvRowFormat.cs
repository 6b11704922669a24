using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using Tally.Output.Formats;
using Tally.Platform;

namespace Tally.Output;

/// <summary>The result format of <c>-o</c>: <c>ngram TAB total LF</c>, the ngram's bytes copied unchanged, no header.</summary>
/// <remarks>
/// A <see cref="RecordTable"/> is a header line of its column names, then one line per row, fields
/// separated by TAB: text as its bytes unchanged (as a key is), numbers in invariant digits. A text
/// value (or name) holding a TAB, LF or CR is refused with an <see cref="ArgumentException"/>, as
/// no TSV reader could split its row right; CSV, JSON Lines, Parquet and SQLite hold any text.
/// </remarks>
public sealed class TsvRowFormat : RowFormat
{
    private static readonly SearchValues<byte> s_breaksRow = SearchValues.Create("\t\n\r"u8);

    /// <summary>Bytes a row may need beyond its key: a TAB, a long's digits and sign (up to 20), a LF.</summary>
    internal const int RowOverhead = 22;

    private TsvRowFormat()
    {
    }

    /// <summary>The format (it has no settings).</summary>
    public static TsvRowFormat Instance { get; } = new();

    /// <inheritdoc/>
    public override int MaxRowOverhead => RowOverhead;

    /// <inheritdoc/>
    public override int WriteRow(Span<byte> destination, ReadOnlySpan<byte> key, long total)
    {
        key.CopyTo(destination);
        int used = key.Length;
        destination[used++] = (byte)'\t';
        bool ok = Utf8Formatter.TryFormat(total, destination.Slice(used), out int written);
        Debug.Assert(ok);
        used += written;
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
            WriteText(writer, table.Columns[column].Name, column, null);
        }

        writer.Write("\n"u8);
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
                WriteText(writer, values.TextAt(row), column, (values.Name, row));
            }
            else
            {
                if (column > 0)
                {
                    writer.Write("\t"u8);
                }

                RecordCells.WriteNumber(writer, values, row);
            }
        }

        writer.Write("\n"u8);
    }

    /// <summary>Writes a TAB before any field but the first, then the bytes <paramref name="text"/> stands for; <paramref name="cell"/> names the value in an error (null for a column name).</summary>
    private static void WriteText(IBufferWriter<byte> writer, string text, int column, (string Column, int Row)? cell)
    {
        byte[] bytes = RecordCells.Bytes(text);
        if (bytes.AsSpan().IndexOfAny(s_breaksRow) >= 0)
        {
            string what = cell is { } at
                ? string.Create(CultureInfo.InvariantCulture, $"the value of column \"{at.Column}\", row {at.Row}")
                : "a column name";
            throw new ArgumentException($"TSV cannot hold {what}, \"{UnixName.Printable(text)}\": it has a TAB or a line end (CSV, JSON Lines, Parquet and SQLite can)");
        }

        if (column > 0)
        {
            writer.Write("\t"u8);
        }

        writer.Write(bytes);
    }
}
