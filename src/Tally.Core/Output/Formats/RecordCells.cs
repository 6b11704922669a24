using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using Tally.Platform;

namespace Tally.Output.Formats;

/// <summary>How every format turns a <see cref="RecordTable"/>'s values into bytes: text as the bytes it carries, numbers in invariant digits that read back the same.</summary>
internal static class RecordCells
{
    /// <summary>The most bytes a number takes: a long's 20 (sign included), a double's 24 (<c>-1.7976931348623157E+308</c>) plus <c>.0</c>.</summary>
    public const int MaxNumberBytes = 32;

    /// <summary>The bytes <paramref name="text"/> stands for: UTF-8, with each escaped byte (<see cref="UnixName"/>) as itself; what TSV writes.</summary>
    public static byte[] Bytes(string text) => UnixName.Encode(text);

    /// <summary>The bytes of <paramref name="text"/> as the text formats hold a key: in the <see cref="KeyEscape"/> form, always valid UTF-8.</summary>
    public static byte[] EscapedBytes(string text)
    {
        byte[] bytes = UnixName.Encode(text);
        if (KeyEscape.IsPlain(bytes))
        {
            return bytes;
        }

        byte[] escaped = new byte[bytes.Length * KeyEscape.MaxBytesPerKeyByte];
        return escaped[..KeyEscape.Escape(bytes, escaped)];
    }

    /// <summary><paramref name="text"/> as a string the way Parquet and SQLite hold a key: in the <see cref="KeyEscape"/> form.</summary>
    public static string EscapedText(string text)
        => !UnixName.HasEscapedBytes(text) && !text.Contains('\\', StringComparison.Ordinal) && !HasLoneSurrogate(text)
            ? text
            : KeyEscape.ToText(UnixName.Encode(text));

    /// <summary>Writes the value of <paramref name="row"/> of a number column (<see cref="RecordKind.Integer"/> or <see cref="RecordKind.Real"/>).</summary>
    public static void WriteNumber(IBufferWriter<byte> writer, RecordColumn column, int row)
    {
        var destination = writer.GetSpan(MaxNumberBytes);
        writer.Advance(column.Kind == RecordKind.Integer ? WriteInteger(destination, column.IntegerAt(row)) : WriteReal(destination, column.RealAt(row)));
    }

    /// <summary>Writes <paramref name="value"/> in decimal digits.</summary>
    public static int WriteInteger(Span<byte> destination, long value)
    {
        bool ok = Utf8Formatter.TryFormat(value, destination, out int written);
        Debug.Assert(ok);
        return written;
    }

    /// <summary>Writes <paramref name="value"/> (finite) in the fewest digits that read back as the same double, invariant culture, with <c>.0</c> added to a whole number.</summary>
    /// <remarks>
    /// <c>0.1</c>, <c>0.6666666666666666</c>, <c>1E-300</c>, <c>-0.0</c>, <c>3.0</c>. The <c>.0</c> keeps
    /// a column of whole numbers a column of reals for readers that guess types (pandas, DuckDB):
    /// every value still parses back bit for bit.
    /// </remarks>
    public static int WriteReal(Span<byte> destination, double value)
    {
        Debug.Assert(double.IsFinite(value), "a RecordColumn holds finite reals only");
        bool ok = value.TryFormat(destination, out int written, "R", CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        if (destination[..written].IndexOfAny((byte)'.', (byte)'E') < 0)
        {
            ".0"u8.CopyTo(destination[written..]);
            written += 2;
        }

        return written;
    }

    private static bool HasLoneSurrogate(string text)
    {
        foreach (char c in text)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }
}
