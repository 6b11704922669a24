using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Parsing;

namespace Tally.Formats.NgramV3;

/// <summary>
/// Folds Google Books Ngram v3 rows (<c>ngram TAB year,match_count,volume_count TAB ...</c>) into a
/// table of ngram to the sum of its match_counts.
/// </summary>
/// <remarks>
/// Like the v2 parser, two paths. The fast path runs over the block's whole lines with unchecked
/// reads (the region ends with a newline, a non-digit, so digit loops cannot run past it). It
/// splits on the first TAB first, with one vectorised search, since an ngram may hold commas
/// (<c>9,000</c>); then reads each triple with 8-byte words: a four-digit year and its comma in
/// one test, match_count's length and value from one word (<see cref="ByteScan.DigitRun"/>,
/// <see cref="ByteScan.EightDigits"/>), volume_count only checked. Anything else, and a last line
/// without a newline, goes to <see cref="NgramV3Line"/>, which says exactly what is wrong.
/// One line is one ngram, so the table is touched once per line.
/// </remarks>
internal static class NgramV3Parser
{
    /// <summary>Parses every row of <paramref name="block"/> into <paramref name="table"/>.</summary>
    /// <returns>Rows (lines) counted; malformed rows skipped are not counted.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Parse<TYears>(ReadOnlySpan<byte> block, CountTable table, string source, long firstLine, RejectSink? rejects, TYears years, KeyRules? rules)
        where TYears : struct, IYearWindow
    {
        ref byte start = ref MemoryMarshal.GetReference(block);
        int fastEnd = block.LastIndexOf((byte)'\n') + 1;
        int pos = 0;
        long rows = 0;
        while (pos < block.Length)
        {
            int lineStart = pos;
            int keyLength;
            long total;
            bool hit;
            uint hash = 0;
            if (pos >= fastEnd)
            {
                goto Slow;
            }

            keyLength = ByteScan.IndexOfTabOrNewline(block.Slice(pos, fastEnd - pos));
            if (keyLength <= 0 || Unsafe.Add(ref start, pos + keyLength) != (byte)'\t')
            {
                goto Slow;
            }

            // The table is far larger than the cache and the line's ~40 triples take longer to
            // read than a miss: ask for the key's slot now, so the two overlap.
            hash = KeyHash.Compute(block.Slice(lineStart, keyLength));
            table.Prefetch(hash);
            var triples = MaskedTriples(ref start, pos + keyLength + 1, fastEnd, years);
            if (triples.Next < -1)
            {
                // Too near the fast region's end for 64-byte masks: the rest, triple by triple.
                var tail = ReadTriples(ref start, ~triples.Next, fastEnd, years);
                long sum = triples.Total + tail.Total;
                if (tail.Next < 0 || sum < 0)
                {
                    goto Slow;
                }

                triples = new Triples(tail.Next, sum, triples.Hit | tail.Hit);
            }

            if (triples.Next < 0)
            {
                goto Slow;
            }

            pos = triples.Next;
            total = triples.Total;
            hit = triples.Hit;
            goto Add;

        Slow:
            hash = 0;
            var rest = block.Slice(lineStart);
            int newline = rest.IndexOf((byte)'\n');
            pos = newline < 0 ? block.Length : lineStart + newline + 1;
            var line = newline < 0 ? rest : rest.Slice(0, newline);
            if (!NgramV3Line.TryParse(line, years, out keyLength, out total, out hit, out string? problem))
            {
                long lineNumber = firstLine + ByteScan.CountNewlines(block.Slice(0, lineStart));
                if (rejects is null)
                {
                    throw new TallyDataException(source, lineNumber, problem);
                }

                rejects.Add(lineNumber, problem, line);
                continue;
            }

        Add:
            rows++;
            if (hit)
            {
                AddToTable(table, block.Slice(lineStart, keyLength), hash, total, source, rules);
            }
        }

        return rows;
    }

    /// <summary>Where the next line starts (-1 when the row is not plain), the sum of its match_counts in the window, and whether any triple was in it.</summary>
    internal readonly record struct Triples(int Next, long Total, bool Hit);

    /// <summary>Bytes a mask covers.</summary>
    private const int MaskBytes = 64;

    /// <summary>
    /// Reads <c>year,match_count,volume_count</c> triples from <paramref name="p"/> to the line's
    /// end (LF or CRLF), finding the fields' ends with a mask of the non-digit bytes 64 at a time.
    /// </summary>
    /// <remarks>
    /// <para>
    /// In a plain triple every non-digit byte is a separator, so the mask's next three bits are the
    /// triple's two commas and its end (TAB, LF or CR): where each number ends, and where the next
    /// triple starts, comes from bit arithmetic instead of from the digits read one after another,
    /// and every byte between two bits is known to be a digit. Only the separators' bytes are then
    /// checked, the three lengths (1 to 18 digits) tested at once, and match_count converted from
    /// one 8-byte word (<see cref="ByteScan.EightDigits"/>); volume_count is never read, and the
    /// year only for a year window. A mask with fewer than three bits left is reloaded at the
    /// triple's start: a plain triple is at most 57 bytes, so a fresh mask always holds it.
    /// </para>
    /// <para>
    /// <c>Next</c> is where the next line starts; -1 when the row is not plain (the slow path
    /// accepts or names it); or the complement of the next triple's start, when too little of the
    /// fast region is left for a mask and 8 bytes more: the caller reads on from there triple by
    /// triple. Every read stays in the fast region: a mask is loaded at <c>window</c> only when
    /// <c>window + 72</c> is inside it, and every field read lies before <c>window + 64</c>.
    /// </para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Triples MaskedTriples<TYears>(ref byte start, int p, int fastEnd, TYears years)
        where TYears : struct, IYearWindow
    {
        long total = 0;
        bool hit = !TYears.IsActive;
        int window = p;
        ulong separators = 0;
        while (true)
        {
            if (System.Numerics.BitOperations.PopCount(separators) < 3)
            {
                if (p + MaskBytes + 8 > fastEnd)
                {
                    return new Triples(~p, total, hit);
                }

                window = p;
                separators = ByteScan.NonDigitMask(ref Unsafe.Add(ref start, window));
                if (System.Numerics.BitOperations.PopCount(separators) < 3)
                {
                    return new Triples(-1, 0, false);
                }
            }

            int firstComma = window + System.Numerics.BitOperations.TrailingZeroCount(separators);
            separators &= separators - 1;
            int secondComma = window + System.Numerics.BitOperations.TrailingZeroCount(separators);
            separators &= separators - 1;
            int end = window + System.Numerics.BitOperations.TrailingZeroCount(separators);
            separators &= separators - 1;

            int yearLength = firstComma - p;
            int countLength = secondComma - firstComma - 1;
            if (((uint)(yearLength - 1) >= 18) | ((uint)(countLength - 1) >= 18) | ((uint)(end - secondComma - 2) >= 18)
                || (Unsafe.Add(ref start, firstComma) ^ (byte)',' | Unsafe.Add(ref start, secondComma) ^ (byte)',') != 0)
            {
                return new Triples(-1, 0, false);
            }

            if (!TYears.IsActive || years.Contains(yearLength == 4 ? ByteScan.FourDigits(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p))) : (long)Digits(ref start, p, yearLength)))
            {
                ulong count = countLength <= 8
                    ? ByteScan.EightDigits((Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, firstComma + 1)) - 0x3030303030303030UL) << ((8 - countLength) * 8))
                    : Digits(ref start, firstComma + 1, countLength);
                hit = true;
                total += (long)count;
                if (total < 0)
                {
                    return new Triples(-1, 0, false);
                }
            }

            byte separator = Unsafe.Add(ref start, end);
            p = end + 1;
            if (separator == (byte)'\t')
            {
                continue;
            }

            if (separator == (byte)'\n')
            {
                return new Triples(p, total, hit);
            }

            // In range: the fast region ends with LF, and the CR is before it.
            return separator == (byte)'\r' && Unsafe.Add(ref start, p) == (byte)'\n' ? new Triples(p + 1, total, hit) : new Triples(-1, 0, false);
        }
    }

    /// <summary>The value of the <paramref name="length"/> (at most 18) ASCII digits at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Digits(ref byte start, int p, int length)
    {
        ulong value = 0;
        for (int i = 0; i < length; i++)
        {
            value = (value * 10) + (uint)(Unsafe.Add(ref start, p + i) - (byte)'0');
        }

        return value;
    }

    /// <summary>Reads <c>year,match_count,volume_count</c> triples from <paramref name="p"/> to the line's end (LF or CRLF).</summary>
    /// <remarks>
    /// Numbers of 1 to 18 digits only (they always fit in a long); anything else, or a sum past
    /// 2^63-1, returns -1 for the slow path to accept or name. Every read stays in the fast region:
    /// 8-byte loads only where 8 bytes of it are left, byte loops stop at its final LF.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Triples ReadTriples<TYears>(ref byte start, int p, int fastEnd, TYears years)
        where TYears : struct, IYearWindow
    {
        long total = 0;
        bool hit = !TYears.IsActive;
        while (true)
        {
            long year = 0;
            ulong count;
            int digits;
            if (p + 8 <= fastEnd && ByteScan.IsFourDigitsThen(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p)), (byte)','))
            {
                if (TYears.IsActive)
                {
                    year = ByteScan.FourDigits(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p)));
                }

                p += 5;
            }
            else
            {
                digits = Number(ref start, p, out ulong value);
                if (digits is 0 or > 18 || Unsafe.Add(ref start, p + digits) != (byte)',')
                {
                    return new Triples(-1, 0, false);
                }

                year = (long)value;
                p += digits + 1;
            }

            ulong word;
            if (p + 8 <= fastEnd && (digits = ByteScan.DigitRun(word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p)))) is > 0 and < 8)
            {
                count = ByteScan.EightDigits((word - 0x3030303030303030UL) << ((8 - digits) * 8));
            }
            else
            {
                digits = Number(ref start, p, out count);
                if (digits is 0 or > 18)
                {
                    return new Triples(-1, 0, false);
                }
            }

            p += digits;
            if (Unsafe.Add(ref start, p) != (byte)',')
            {
                return new Triples(-1, 0, false);
            }

            int volume = ++p;
            if (p + 8 <= fastEnd)
            {
                p += ByteScan.DigitRun(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p)));
            }

            while (ByteScan.IsDigit(Unsafe.Add(ref start, p)))
            {
                p++;
            }

            if (p == volume || p - volume > 18)
            {
                return new Triples(-1, 0, false);
            }

            if (!TYears.IsActive || years.Contains(year))
            {
                hit = true;
                total += (long)count;
                if (total < 0)
                {
                    return new Triples(-1, 0, false);
                }
            }

            byte end = Unsafe.Add(ref start, p);
            if (end == (byte)'\t')
            {
                p++;
                continue;
            }

            if (end == (byte)'\n')
            {
                return new Triples(p + 1, total, hit);
            }

            // In range: the fast region ends with LF, and this byte is not it.
            return end == (byte)'\r' && Unsafe.Add(ref start, p + 1) == (byte)'\n' ? new Triples(p + 2, total, hit) : new Triples(-1, 0, false);
        }
    }

    /// <summary>The ASCII digits at <paramref name="p"/>: how many (stopping after 19), and their value when there are at most 18.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Number(ref byte start, int p, out ulong value)
    {
        value = 0;
        int digits = 0;
        uint digit;
        while (digits <= 18 && (digit = (uint)(Unsafe.Add(ref start, p + digits) - (byte)'0')) <= 9)
        {
            value = (value * 10) + digit;
            digits++;
        }

        return digits;
    }

    /// <summary>Adds a row's total; <paramref name="hash"/> is the key's, or 0 when the slow path read it.</summary>
    private static void AddToTable(CountTable table, ReadOnlySpan<byte> key, uint hash, long total, string source, KeyRules? rules)
    {
        try
        {
            if (rules is null)
            {
                table.Add(key, hash != 0 ? hash : KeyHash.Compute(key), total);
            }
            else
            {
                rules.Add(table, key, total);
            }
        }
        catch (OverflowException e)
        {
            throw new TallyDataException(source, null, e.Message, e);
        }
    }
}
