using System.Runtime.CompilerServices;
using System.Text;
using Tally.Aggregation;

namespace Tally.Parsing;

/// <summary>
/// Folds Google Books Ngram v2 rows (<c>ngram TAB year TAB match_count TAB volume_count</c>)
/// into a table of ngram to total match_count.
/// </summary>
/// <remarks>
/// Works on UTF-8 bytes: the key is found with one vectorised search, the numbers are parsed by
/// hand in the same pass that finds their ends, and no string is made per row. Rows of one ngram
/// are adjacent in v2 files, so a run is summed locally and the table is touched once per run.
/// CRLF line ends and a missing final newline are accepted. Any other deviation is an error
/// naming the line: see docs/design.md, "Malformed rows".
/// </remarks>
internal static class NgramV2Parser
{
    private const int Columns = 4;

    /// <summary>Parses every row of <paramref name="block"/> into <paramref name="table"/>.</summary>
    /// <param name="block">Whole lines; the last may lack its newline.</param>
    /// <param name="table">The worker's table for this block's source.</param>
    /// <param name="source">Source name for error messages.</param>
    /// <param name="firstLine">Line number of the block's first line, for error messages.</param>
    /// <returns>Rows parsed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Parse(ReadOnlySpan<byte> block, CountTable table, string source, long firstLine)
    {
        int pos = 0;
        int length = block.Length;
        long rows = 0;
        ReadOnlySpan<byte> runKey = default;
        long runTotal = 0;

        while (pos < length)
        {
            int lineStart = pos;
            ReadOnlySpan<byte> rest = block.Slice(pos);
            ReadOnlySpan<byte> key;
            bool sameKey;

            // Most rows continue the run of the row before (one row per year), so first check
            // for the run's key and a TAB: one short compare instead of a search. The run's key
            // holds no TAB or newline, so a match means this row's key is exactly that key.
            if (!runKey.IsEmpty && rest.Length > runKey.Length && rest[runKey.Length] == (byte)'\t'
                && rest.StartsWith(runKey))
            {
                key = runKey;
                sameKey = true;
            }
            else
            {
                int keyEnd = rest.IndexOfAny((byte)'\t', (byte)'\n');
                if (keyEnd <= 0 || rest[keyEnd] != (byte)'\t')
                {
                    throw Malformed(block, lineStart, source, firstLine, KeyProblem(rest, keyEnd));
                }

                key = rest.Slice(0, keyEnd);
                sameKey = false;
            }

            pos += key.Length + 1;

            int yearStart = pos;
            pos = SkipNumber(block, pos, lineStart, source, firstLine, column: 2);
            ExpectTab(block, pos, yearStart, lineStart, source, firstLine, column: 2);

            int countStart = pos + 1;
            pos = ParseNumber(block, countStart, lineStart, source, firstLine, column: 3, out long count);
            ExpectTab(block, pos, countStart, lineStart, source, firstLine, column: 3);

            pos = SkipNumber(block, pos + 1, lineStart, source, firstLine, column: 4);
            pos = EndOfLine(block, pos, lineStart, source, firstLine);
            rows++;

            if (sameKey)
            {
                runTotal = AddChecked(runTotal, count, key, block, lineStart, source, firstLine);
            }
            else
            {
                if (!runKey.IsEmpty)
                {
                    AddToTable(table, runKey, runTotal, source);
                }

                runKey = key;
                runTotal = count;
            }
        }

        if (!runKey.IsEmpty)
        {
            AddToTable(table, runKey, runTotal, source);
        }

        return rows;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ParseNumber(ReadOnlySpan<byte> block, int pos, int lineStart, string source, long firstLine, int column, out long value)
    {
        int start = pos;
        ulong v = 0;
        while (pos < block.Length)
        {
            uint digit = (uint)(block[pos] - (byte)'0');
            if (digit > 9)
            {
                break;
            }

            v = (v * 10) + digit;
            pos++;
        }

        // Nineteen digits always fit in a ulong, so the only overflow to check is past 2^63-1,
        // or more digits than that (leading zeros aside, which real data never has).
        int digits = pos - start;
        if (digits == 0 || digits > 19 || v > long.MaxValue)
        {
            throw Malformed(block, lineStart, source, firstLine, NumberProblem(block, start, column));
        }

        value = (long)v;
        return pos;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipNumber(ReadOnlySpan<byte> block, int pos, int lineStart, string source, long firstLine, int column)
        => ParseNumber(block, pos, lineStart, source, firstLine, column, out _);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExpectTab(ReadOnlySpan<byte> block, int pos, int fieldStart, int lineStart, string source, long firstLine, int column)
    {
        if (pos < block.Length && block[pos] == (byte)'\t')
        {
            return;
        }

        bool lineEnds = pos >= block.Length || block[pos] == (byte)'\n' || block[pos] == (byte)'\r';
        string problem = lineEnds
            ? ColumnsProblem(block, lineStart)
            : NumberProblem(block, fieldStart, column);
        throw Malformed(block, lineStart, source, firstLine, problem);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EndOfLine(ReadOnlySpan<byte> block, int pos, int lineStart, string source, long firstLine)
    {
        if (pos >= block.Length)
        {
            return pos;
        }

        byte b = block[pos];
        if (b == (byte)'\n')
        {
            return pos + 1;
        }

        if (b == (byte)'\r')
        {
            if (pos + 1 == block.Length)
            {
                return pos + 1;
            }

            if (block[pos + 1] == (byte)'\n')
            {
                return pos + 2;
            }
        }

        string problem = b == (byte)'\t'
            ? ColumnsProblem(block, lineStart)
            : NumberProblem(block, FieldStart(block, lineStart, Columns), Columns);
        throw Malformed(block, lineStart, source, firstLine, problem);
    }

    private static long AddChecked(long total, long count, ReadOnlySpan<byte> key, ReadOnlySpan<byte> block, int lineStart, string source, long firstLine)
    {
        long sum = total + count;
        if (sum < 0)
        {
            throw Malformed(block, lineStart, source, firstLine,
                $"the total of \"{Display(key)}\" passes 2^63-1");
        }

        return sum;
    }

    private static void AddToTable(CountTable table, ReadOnlySpan<byte> key, long total, string source)
    {
        try
        {
            table.Add(key, total);
        }
        catch (OverflowException e)
        {
            throw new TallyDataException(source, null, e.Message, e);
        }
    }

    private static string KeyProblem(ReadOnlySpan<byte> rest, int keyEnd)
    {
        if (Line(rest, 0).IsEmpty)
        {
            return "empty line";
        }

        return keyEnd == 0 ? "column 1 (ngram) is empty" : $"expected {Columns} TAB-separated columns, found 1";
    }

    private static string ColumnsProblem(ReadOnlySpan<byte> block, int lineStart)
    {
        ReadOnlySpan<byte> line = Line(block, lineStart);
        int found = line.Count((byte)'\t') + 1;
        return $"expected {Columns} TAB-separated columns, found {found}";
    }

    private static string NumberProblem(ReadOnlySpan<byte> block, int fieldStart, int column)
    {
        ReadOnlySpan<byte> rest = block.Slice(fieldStart);
        int end = rest.IndexOfAny((byte)'\t', (byte)'\n');
        ReadOnlySpan<byte> field = end < 0 ? rest : rest.Slice(0, end);
        if (field.EndsWith((byte)'\r') && (end < 0 || rest[end] == (byte)'\n'))
        {
            field = field[..^1];
        }

        string name = column switch { 2 => "year", 3 => "match_count", _ => "volume_count" };
        bool allDigits = !field.IsEmpty && field.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
        return allDigits
            ? $"column {column} ({name}): \"{Display(field)}\" does not fit in a signed 64-bit integer"
            : $"column {column} ({name}): \"{Display(field)}\" is not a non-negative integer";
    }

    private static int FieldStart(ReadOnlySpan<byte> block, int lineStart, int column)
    {
        int pos = lineStart;
        for (int c = 1; c < column; c++)
        {
            pos += block.Slice(pos).IndexOf((byte)'\t') + 1;
        }

        return pos;
    }

    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> block, int lineStart)
    {
        ReadOnlySpan<byte> rest = block.Slice(lineStart);
        int end = rest.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line = end < 0 ? rest : rest.Slice(0, end);
        return line.EndsWith((byte)'\r') ? line[..^1] : line;
    }

    private static TallyDataException Malformed(ReadOnlySpan<byte> block, int lineStart, string source, long firstLine, string reason)
        => new(source, firstLine + block.Slice(0, lineStart).Count((byte)'\n'), reason);

    /// <summary>Text for a message: invalid UTF-8 shows as U+FFFD, and long values are cut.</summary>
    internal static string Display(ReadOnlySpan<byte> bytes)
    {
        const int Limit = 80;
        string text = Encoding.UTF8.GetString(bytes.Length > Limit ? bytes.Slice(0, Limit) : bytes);
        return bytes.Length > Limit ? text + "..." : text;
    }
}
