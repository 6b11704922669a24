using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Parsing;

namespace Tally.Formats.NgramV2;

/// <summary>
/// Folds Google Books Ngram v2 rows (<c>ngram TAB year TAB match_count TAB volume_count</c>)
/// into a table of ngram to total match_count.
/// </summary>
/// <remarks>
/// Two paths. The fast path runs over the block's whole lines with unchecked reads: it knows the
/// region ends with a newline, a non-digit, so digit loops cannot run past it. It finds the key
/// with one vectorised search, parses the numbers by hand in the same pass that finds their ends,
/// and sums a run of rows of one ngram (v2 rows are sorted by ngram, then year) before touching
/// the table once. Anything unexpected jumps to the slow path, <see cref="NgramV2Line"/>, which
/// parses that one line with plain span code and says exactly what is wrong; the last line of a
/// block without a newline goes there too.
/// </remarks>
internal static class NgramV2Parser
{
    /// <summary>Parses every row of <paramref name="block"/> into <paramref name="table"/>.</summary>
    /// <param name="block">Whole lines; the last may lack its newline.</param>
    /// <param name="table">The worker's table for this block's source.</param>
    /// <param name="source">Source name for error messages.</param>
    /// <param name="firstLine">Line number of the block's first line, for error messages.</param>
    /// <param name="rejects">Where malformed rows go in skip mode; null to fail on the first one.</param>
    /// <returns>Rows counted (malformed rows skipped are not counted).</returns>
    public static long Parse(ReadOnlySpan<byte> block, CountTable table, string source, long firstLine, RejectSink? rejects = null)
        => Parse(block, table, source, firstLine, rejects, default(AllYears), rules: null);

    /// <summary>Parses every row of <paramref name="block"/>, counting only the years in <paramref name="years"/> and keys under <paramref name="rules"/>.</summary>
    /// <remarks>
    /// Generic over the year window so that a count without <c>--years</c> compiles to code that
    /// never reads a year (<see cref="IYearWindow.IsActive"/> is a constant per instantiation). A row
    /// outside the window is still a row (it is read and checked) but adds nothing, and an ngram
    /// with no row in the window is not listed. Key rules (tags, case) apply once per run of rows.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Parse<TYears>(ReadOnlySpan<byte> block, CountTable table, string source, long firstLine, RejectSink? rejects, TYears years, KeyRules? rules)
        where TYears : struct, IYearWindow
    {
        ref byte start = ref MemoryMarshal.GetReference(block);
        int fastEnd = block.LastIndexOf((byte)'\n') + 1;
        int pos = 0;
        long rows = 0;
        int runStart = 0;
        int runLength = 0;
        long runTotal = 0;
        uint runHash = 0;
        bool runHit = false;

        // Hot locals are never passed by reference: an address-exposed local lives in memory,
        // not a register, and that alone halved the speed of this loop when measured.
        while (pos < block.Length)
        {
            // Most rows continue the run of the row before (one row per year): a loop of its own
            // takes them while they are plain, so the general path below, with its many live
            // values, sees only a run's first row and anything unusual.
            if (runLength is > 0 and <= MaxRunLoopKey)
            {
                var run = SameKeyRows(ref start, pos, fastEnd, runStart, runLength, runTotal, years);
                pos = run.Next;
                runTotal = run.Total;
                rows += run.Rows;
                runHit |= run.Hit;
                if (pos >= block.Length)
                {
                    break;
                }
            }

            int lineStart = pos;
            int keyLength;
            ulong count;
            long year = 0;
            if (pos >= fastEnd)
            {
                goto Slow;
            }

            // The run loop above has taken every plain row of the current run it could, so a
            // row here usually starts a new run: search for its key.
            keyLength = ByteScan.IndexOfTabOrNewline(block.Slice(pos, fastEnd - pos));
            if (keyLength <= 0 || Unsafe.Add(ref start, pos + keyLength) != (byte)'\t')
            {
                goto Slow;
            }

            pos += keyLength + 1;

            // The year is the value never used, and nearly always four digits and a TAB: one
            // 8-byte load checks all five bytes at once instead of a loop of five branches.
            if (pos + 8 <= fastEnd && ByteScan.IsFourDigitsThenTab(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, pos))))
            {
                if (TYears.IsActive)
                {
                    year = ByteScan.FourDigits(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, pos)));
                }

                pos += 5;
            }
            else
            {
                int digits = pos;
                while (ByteScan.IsDigit(Unsafe.Add(ref start, pos)))
                {
                    if (TYears.IsActive)
                    {
                        year = (year * 10) + (Unsafe.Add(ref start, pos) - '0');
                    }

                    pos++;
                }

                if (pos == digits || pos - digits > 18 || Unsafe.Add(ref start, pos) != (byte)'\t')
                {
                    goto Slow;
                }

                pos++;
            }

            var tail = ReadRowTail(ref start, pos, fastEnd);
            if (tail.Next < 0)
            {
                goto Slow;
            }

            pos = tail.Next;
            count = tail.Count;
            goto Accumulate;

        Slow:
            var line = SlowLine(block, lineStart, source, firstLine, rejects);
            pos = line.Next;
            if (!line.IsRow)
            {
                continue;
            }

            keyLength = line.KeyLength;
            count = (ulong)line.Count;
            year = line.Year;

        Accumulate:
            rows++;
            bool inWindow = true;
            if (TYears.IsActive && !years.Contains(year))
            {
                inWindow = false;
                count = 0;
            }

            if (keyLength == runLength && block.Slice(lineStart, keyLength).SequenceEqual(block.Slice(runStart, runLength)))
            {
                runTotal = AddToRun(runTotal, (long)count, block.Slice(runStart, runLength), source);
                runHit |= inWindow;
            }
            else
            {
                if (runLength != 0 && (!TYears.IsActive || runHit))
                {
                    AddToTable(table, block.Slice(runStart, runLength), runHash, runTotal, source, rules);
                }

                runStart = lineStart;
                runLength = keyLength;
                runTotal = (long)count;
                runHit = inWindow;

                // The run's slot is only needed when the run ends, tens of rows later: ask for
                // it now, so the cache miss (the table is far larger than the cache) overlaps
                // the parsing instead of stalling the add.
                runHash = KeyHash.Compute(block.Slice(runStart, runLength));
                table.Prefetch(runHash);
            }
        }

        if (runLength != 0 && (!TYears.IsActive || runHit))
        {
            AddToTable(table, block.Slice(runStart, runLength), runHash, runTotal, source, rules);
        }

        return rows;
    }

    /// <summary>Where <see cref="SameKeyRows"/> stopped, the run's total so far, how many rows it took, and whether any was in the year window.</summary>
    private readonly record struct RunRows(int Next, long Total, long Rows, bool Hit);

    /// <summary>Longest key the run loop takes: with its TAB, 32 bytes, two 16-byte vectors.</summary>
    private const int MaxRunLoopKey = 31;

    /// <summary>
    /// Takes the rows from <paramref name="pos"/> on that have the run's key (at most <see cref="MaxRunLoopKey"/> bytes) and
    /// are plain: four-digit year, match_count and volume_count of 1 to 8 digits, LF or
    /// CRLF. Stops, without taking it, at the first row that is not, or whose count would pass
    /// 2^63-1; the general path then decides about that row.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Where each row ends comes from a bitmask of the newlines in 64 bytes at a time, found with
    /// vector compares ahead of the parsing, so the next row's start does not wait for this row's
    /// fields to be read one after another. The fields are then read at known places: the key and
    /// the year, match_count's length and value from one 8-byte word (a multiply-based
    /// conversion, <see cref="ByteScan.EightDigits"/>, instead of a loop whose exit mispredicts with the
    /// number of digits), and volume_count checked to be digits up to the line end. Measured on
    /// one thread over 13 M rows: the mask alone 0.99x, the conversion alone 1.02x (it lengthened
    /// the chain each row waited on), both together 0.93x parse time (9 runs).
    /// </para>
    /// <para>
    /// The key and its TAB are compared as two 16-byte vectors against the run's first row, so
    /// any key up to 31 bytes (most 2- and 3-grams too) takes this loop.
    /// </para>
    /// <para>
    /// A method of its own so that its values all live in registers: inside the general loop the
    /// JIT kept half of them on the stack (seen in its disassembly). Every read lies in the fast
    /// region: the mask covers 64 bytes that lie inside it, the run's first row has 64 bytes of
    /// the region after it, and a row is only taken when its LF has 32 bytes of the region after
    /// it, as many as the key compare reads.
    /// </para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RunRows SameKeyRows<TYears>(ref byte start, int pos, int fastEnd, int runStart, int runLength, long total, TYears years)
        where TYears : struct, IYearWindow
    {
        long rows = 0;
        bool hit = false;
        int window = pos;
        if (window + 64 > fastEnd)
        {
            return new RunRows(pos, total, 0, false);
        }

        // The run's first row holds the key and its TAB; the bits say which bytes must match.
        var keyLow = Vector128.LoadUnsafe(ref start, (nuint)runStart);
        var keyHigh = Vector128.LoadUnsafe(ref start, (nuint)runStart + 16);
        uint keyBits = uint.MaxValue >> (31 - runLength);

        ulong newlines = ByteScan.NewlineMask(ref Unsafe.Add(ref start, window));
        while (true)
        {
            while (newlines == 0)
            {
                window += 64;
                if (window + 64 > fastEnd)
                {
                    return new RunRows(pos, total, rows, hit);
                }

                newlines = ByteScan.NewlineMask(ref Unsafe.Add(ref start, window));
            }

            int lineEnd = window + System.Numerics.BitOperations.TrailingZeroCount(newlines);
            newlines &= newlines - 1;
            if (lineEnd + 32 > fastEnd)
            {
                break;
            }

            uint same = Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)pos), keyLow).ExtractMostSignificantBits()
                | (Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)pos + 16), keyHigh).ExtractMostSignificantBits() << 16);
            if ((same & keyBits) != keyBits)
            {
                break;
            }

            int p = pos + runLength + 1;
            ulong yearWord = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p));
            if (!ByteScan.IsFourDigitsThenTab(yearWord))
            {
                break;
            }

            p += 5;
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p));
            int digits = ByteScan.DigitRun(word);
            if (digits == 0 || Unsafe.Add(ref start, p + digits) != (byte)'\t')
            {
                break;
            }

            int volume = p + digits + 1;
            int volumeEnd = Unsafe.Add(ref start, lineEnd - 1) == (byte)'\r' ? lineEnd - 1 : lineEnd;
            int volumeLength = volumeEnd - volume;
            if (volumeLength is < 1 or > 8 || ByteScan.DigitRun(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, volume))) < volumeLength)
            {
                break;
            }

            ulong count = ByteScan.EightDigits((word - 0x3030303030303030UL) << ((8 - digits) * 8));
            if (TYears.IsActive)
            {
                if (years.Contains(ByteScan.FourDigits(yearWord)))
                {
                    hit = true;
                }
                else
                {
                    count = 0;
                }
            }

            long sum = total + (long)count;
            if (sum < 0)
            {
                break;
            }

            total = sum;
            rows++;
            pos = lineEnd + 1;
        }

        return new RunRows(pos, total, rows, hit);
    }

    /// <summary>Where the next line starts and the row's match_count; <c>Next</c> is -1 when the row is not plain.</summary>
    private readonly record struct RowTail(int Next, ulong Count);

    /// <summary>Reads <c>match_count TAB volume_count</c> and the line end (LF or CRLF) from <paramref name="p"/>.</summary>
    /// <remarks>
    /// Numbers of 1 to 18 digits only: those always fit in a long, and anything else (19 digits,
    /// a sign, a missing column) is for the slow path to accept or name. volume_count is only
    /// checked, never used: its end is found with one 8-byte test instead of a loop whose exit
    /// branch depends on how many digits it has. Every read stops at the fast region's final LF.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RowTail ReadRowTail(ref byte start, int p, int fastEnd)
    {
        int digits = p;
        ulong count = 0;
        uint digit;
        while ((digit = (uint)(Unsafe.Add(ref start, p) - (byte)'0')) <= 9)
        {
            count = (count * 10) + digit;
            p++;
        }

        if (p == digits || p - digits > 18 || Unsafe.Add(ref start, p) != (byte)'\t')
        {
            return new RowTail(-1, 0);
        }

        digits = ++p;
        if (p + 8 <= fastEnd)
        {
            p += ByteScan.DigitRun(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, p)));
        }

        while (ByteScan.IsDigit(Unsafe.Add(ref start, p)))
        {
            p++;
        }

        if (p == digits || p - digits > 18)
        {
            return new RowTail(-1, 0);
        }

        byte end = Unsafe.Add(ref start, p);
        if (end == (byte)'\n')
        {
            return new RowTail(p + 1, count);
        }

        // In range: the fast region ends with LF, and this byte is not it.
        return end == (byte)'\r' && Unsafe.Add(ref start, p + 1) == (byte)'\n' ? new RowTail(p + 2, count) : new RowTail(-1, 0);
    }

    /// <summary>A line parsed by the slow path: where the next starts, and the row if it is one.</summary>
    private readonly record struct SlowResult(int Next, bool IsRow, int KeyLength, long Count, long Year);

    /// <summary>Parses the line at <paramref name="lineStart"/> the careful way; fails or records it when malformed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SlowResult SlowLine(ReadOnlySpan<byte> block, int lineStart, string source, long firstLine, RejectSink? rejects)
    {
        ReadOnlySpan<byte> rest = block.Slice(lineStart);
        int newline = rest.IndexOf((byte)'\n');
        int next = newline < 0 ? block.Length : lineStart + newline + 1;
        ReadOnlySpan<byte> line = newline < 0 ? rest : rest.Slice(0, newline);

        if (NgramV2Line.TryParse(line, out int keyLength, out long count, out long year, out string? problem))
        {
            return new SlowResult(next, IsRow: true, keyLength, count, year);
        }

        long lineNumber = firstLine + ByteScan.CountNewlines(block.Slice(0, lineStart));
        if (rejects is null)
        {
            throw new TallyDataException(source, lineNumber, problem);
        }

        rejects.Add(lineNumber, problem, line);
        return new SlowResult(next, IsRow: false, 0, 0, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long AddToRun(long total, long count, ReadOnlySpan<byte> key, string source)
    {
        long sum = total + count;
        if (sum < 0)
        {
            ThrowTotalOverflow(key, source);
        }

        return sum;
    }

    private static void AddToTable(CountTable table, ReadOnlySpan<byte> key, uint hash, long total, string source, KeyRules? rules)
    {
        try
        {
            if (rules is null)
            {
                table.Add(key, hash, total);
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTotalOverflow(ReadOnlySpan<byte> key, string source)
        => throw new TallyDataException(source, null, $"the total of \"{KeyText.Display(key)}\" passes 2^63-1");
}
