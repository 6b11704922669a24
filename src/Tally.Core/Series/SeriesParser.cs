using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tally.Aggregation;
using Tally.Formats;
using Tally.Formats.Filters;
using Tally.Formats.NgramV2;
using Tally.Formats.NgramV3;
using Tally.Mapping;

namespace Tally.Series;

/// <summary>
/// The hot loop of <c>tally series</c>: every row is checked as a count checks it, but only the
/// rows of queried ngrams are kept, each year under its own key (<c>year TAB ngram</c>).
/// </summary>
/// <remarks>
/// <para>
/// The query is a hash probe per ngram run: v2 files hold an ngram's years on consecutive lines,
/// so a line whose ngram is the previous line's reuses the previous answer; a v3 line is one
/// ngram and one probe. Most ngrams are not queried, so the table a series fills stays tiny and
/// the cache misses that dominate a count never happen.
/// </para>
/// <para>
/// A malformed row is reported exactly as a count reports it (the same careful line parsers
/// give the reason, and <see cref="MapContext.Malformed"/> the line), queried or not: a series
/// never passes silently over data a count would refuse.
/// </para>
/// </remarks>
internal static class SeriesParser
{
    /// <summary>Longest key kept on the stack while its year is prefixed.</summary>
    private const int StackKeyBytes = 256;

    /// <summary>v2 rows (<c>ngram TAB year TAB match_count TAB volume_count</c>).</summary>
    /// <returns>Rows (lines) read; malformed rows skipped are not counted.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long ParseV2<TYears>(ReadOnlySpan<byte> block, CountTable table, in MapContext context, TYears years, KeyRules? rules, CountTable queries)
        where TYears : struct, IYearWindow
    {
        long rows = 0;
        int pos = 0;
        int runStart = -1;
        int runLength = 0;
        bool runQueried = false;
        while (pos < block.Length)
        {
            int lineStart = pos;
            var rest = block[pos..];
            int newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            pos = newline < 0 ? block.Length : pos + newline + 1;
            if (!PlainV2(line, out int keyLength, out long year, out long count)
                && !NgramV2Line.TryParse(line, out keyLength, out count, out year, out string? problem))
            {
                context.Malformed(block, lineStart, problem);
                continue;
            }

            rows++;
            var key = line[..keyLength];
            if (runStart < 0 || !key.SequenceEqual(block.Slice(runStart, runLength)))
            {
                runStart = lineStart;
                runLength = keyLength;
                runQueried = IsQueried(key, rules, queries);
            }

            if (runQueried && years.Contains(year))
            {
                Emit(table, year, key, count, rules, context.SourceName);
            }
        }

        return rows;
    }

    /// <summary>v3 rows (<c>ngram TAB year,match_count,volume_count TAB ...</c>).</summary>
    /// <returns>Rows (lines) read; malformed rows skipped are not counted.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long ParseV3<TYears>(ReadOnlySpan<byte> block, CountTable table, in MapContext context, TYears years, KeyRules? rules, CountTable queries)
        where TYears : struct, IYearWindow
    {
        ref byte start = ref MemoryMarshal.GetReference(block);
        int fastEnd = block.LastIndexOf((byte)'\n') + 1;
        long rows = 0;
        int pos = 0;
        while (pos < block.Length)
        {
            int lineStart = pos;
            int keyLength = pos < fastEnd ? ByteScan.IndexOfTabOrNewline(block[pos..fastEnd]) : -1;
            if (keyLength > 0 && block[pos + keyLength] == (byte)'\t' && !IsQueried(block.Slice(pos, keyLength), rules, queries))
            {
                // Not queried: only checked, with the count's own fast triple reader (year window
                // off: which years a row holds does not matter when none of them is kept).
                var triples = NgramV3Parser.MaskedTriples(ref start, pos + keyLength + 1, fastEnd, default(AllYears));
                if (triples.Next < -1)
                {
                    triples = NgramV3Parser.ReadTriples(ref start, ~triples.Next, fastEnd, default(AllYears));
                }

                if (triples.Next >= 0)
                {
                    rows++;
                    pos = triples.Next;
                    continue;
                }
            }

            // Queried, or not plain: the careful parser checks the row and names what is wrong.
            var rest = block[lineStart..];
            int newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            pos = newline < 0 ? block.Length : lineStart + newline + 1;
            if (!NgramV3Line.TryParse(line, years, out keyLength, out _, out _, out string? problem))
            {
                context.Malformed(block, lineStart, problem);
                continue;
            }

            rows++;
            var key = line[..keyLength];
            if (IsQueried(key, rules, queries))
            {
                EmitTriples(table, line, keyLength, years, rules, context.SourceName);
            }
        }

        return rows;
    }

    /// <summary>Whether the ngram, as the rules count it (tags, case), is one of the queries.</summary>
    private static bool IsQueried(ReadOnlySpan<byte> key, KeyRules? rules, CountTable queries)
    {
        if (rules is null)
        {
            return queries.Get(key) != 0;
        }

        return rules.TryKey(key, out var counted) && queries.Get(counted) != 0;
    }

    /// <summary>Adds each year,match_count of a checked v3 line that is in the window.</summary>
    private static void EmitTriples<TYears>(CountTable table, ReadOnlySpan<byte> line, int keyLength, TYears years, KeyRules? rules, string source)
        where TYears : struct, IYearWindow
    {
        if (line.EndsWith((byte)'\r'))
        {
            line = line[..^1];
        }

        var key = line[..keyLength];
        foreach (var range in line[(keyLength + 1)..].Split((byte)'\t'))
        {
            var triple = line[(keyLength + 1)..][range];
            int comma = triple.IndexOf((byte)',');
            int second = triple[(comma + 1)..].IndexOf((byte)',') + comma + 1;

            // The line was checked: these are digits that fit in a long.
            if (Utf8Parser.TryParse(triple[..comma], out long year, out _)
                && Utf8Parser.TryParse(triple[(comma + 1)..second], out long count, out _)
                && years.Contains(year))
            {
                Emit(table, year, key, count, rules, source);
            }
        }
    }

    /// <summary>Adds <paramref name="count"/> under <c>year TAB key</c>, the key as the rules count it.</summary>
    private static void Emit(CountTable table, long year, ReadOnlySpan<byte> key, long count, KeyRules? rules, string source)
    {
        if (rules is not null)
        {
            rules.TryKey(key, out key);
        }

        Span<byte> buffer = key.Length <= StackKeyBytes ? stackalloc byte[20 + 1 + StackKeyBytes] : new byte[20 + 1 + key.Length];
        Utf8Formatter.TryFormat(year, buffer, out int written);
        buffer[written++] = (byte)'\t';
        key.CopyTo(buffer[written..]);
        try
        {
            table.Add(buffer[..(written + key.Length)], count);
        }
        catch (OverflowException e)
        {
            throw new TallyDataException(source, null, e.Message, e);
        }
    }

    /// <summary>A plain v2 row: a key, three numbers of 1 to 18 digits, TAB-separated, and an optional CR. Anything else is for <see cref="NgramV2Line"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PlainV2(ReadOnlySpan<byte> line, out int keyLength, out long year, out long count)
    {
        year = 0;
        count = 0;
        keyLength = line.IndexOf((byte)'\t');
        if (keyLength <= 0)
        {
            return false;
        }

        if (line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        int p = keyLength + 1;
        return Number(line, ref p, (byte)'\t', out year)
            && Number(line, ref p, (byte)'\t', out count)
            && Number(line, ref p, 0, out _)
            && p == line.Length;
    }

    /// <summary>Reads 1 to 18 digits at <paramref name="p"/> and the <paramref name="separator"/> after them (0: the line's end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Number(ReadOnlySpan<byte> line, ref int p, byte separator, out long value)
    {
        value = 0;
        int first = p;
        uint digit;
        while (p < line.Length && (digit = (uint)(line[p] - (byte)'0')) <= 9)
        {
            value = (value * 10) + digit;
            p++;
        }

        if (p == first || p - first > 18)
        {
            return false;
        }

        if (separator == 0)
        {
            return true;
        }

        if (p >= line.Length || line[p] != separator)
        {
            return false;
        }

        p++;
        return true;
    }
}
