using Tally.Aggregation;

namespace Tally.Output.Sorting;

/// <summary>The entries of one or more tables in ordinal byte order of their keys, for deterministic output.</summary>
/// <remarks>
/// <para>
/// A key held by several tables (the job hands over a source's worker tables unmerged) comes out
/// once, with its totals summed: the sort puts its copies side by side, so summing them is a
/// comparison with the previous entry instead of a hash table insert per entry
/// (<see cref="RepeatedKeySummer"/>).
/// </para>
/// <para>
/// Sorts the keys' first eight bytes read big-endian (<see cref="KeyPrefix"/>), which compare like
/// the bytes themselves, as plain integers (by radix, most significant digit first:
/// <see cref="PrefixRadixSort"/>); only keys that share those eight bytes are then compared whole
/// (<see cref="RangeSorter"/>). Measured on 893 thousand ngrams: 300 ms with a comparer over
/// (prefix, index) pairs, far less this way.
/// </para>
/// <para>
/// On a large table this is a sample sort over all cores: keys sampled evenly pick
/// <c>partitions - 1</c> splitter keys (<see cref="SplitterSampler"/>); every entry is classified
/// into the range between two splitters and moved there (<see cref="RangePartitioner"/>); each
/// range is then sorted alone. The ranges are disjoint and in order, so once each is sorted the
/// whole is. Tables that each list their keys in order (sorted input) are merged instead
/// (<see cref="SortedListingsMerge"/>).
/// </para>
/// </remarks>
internal sealed class SortedTotals
{
    private SortedTotals(byte[] keys, TableEntry[] ranked, bool mergedRuns)
    {
        Keys = keys;
        Ranked = ranked;
        MergedRuns = mergedRuns;
    }

    /// <summary>The bytes every entry's key lies in (a single table's own arena, never written; a copy for several).</summary>
    public byte[] Keys { get; }

    /// <summary>The entries in key order: <c>Ranked[rank]</c> is the row <see cref="Row"/> gives for <c>rank</c>.</summary>
    /// <remarks>
    /// The sort orders entry indexes; each range then gathers its entries into rank order while
    /// they are still in cache. Writing reads this array front to back twice (sizing a chunk, then
    /// formatting it): through the index array, each read was a cache miss in a 14 MB array, and
    /// was measured at 12% of the output phase's CPU.
    /// </remarks>
    public TableEntry[] Ranked { get; }

    /// <summary>Distinct keys.</summary>
    public int Count => Ranked.Length;

    /// <summary>Whether every table listed its keys in order, so they were merged instead of sorted (for tests).</summary>
    internal bool MergedRuns { get; }

    /// <summary>Sorts <paramref name="table"/> on the calling thread when it is small, on every core otherwise.</summary>
    public static SortedTotals Create(CountTable table) => ForThreads(table, Environment.ProcessorCount);

    /// <summary>Sorts <paramref name="table"/> on at most <paramref name="threads"/> threads: on the calling thread when it is small or when 1.</summary>
    public static SortedTotals ForThreads(CountTable table, int threads) => ForThreads([table], threads);

    /// <summary>Sorts the keys of all <paramref name="tables"/>, summing the totals of a key held by several, on at most <paramref name="threads"/> threads.</summary>
    public static SortedTotals ForThreads(IReadOnlyList<CountTable> tables, int threads)
        => Create(tables, PartitionsFor(tables.Sum(t => t.Count), threads), threads);

    /// <summary>Key ranges for a table of <paramref name="count"/> entries sorted on <paramref name="threads"/> threads (1: serial).</summary>
    internal static int PartitionsFor(int count, int threads)
        => count < TallyDefaults.ParallelOutputThreshold || threads <= 1 ? 1 : Math.Min(byte.MaxValue + 1, threads * TallyDefaults.OutputPartitionsPerCore);

    /// <summary>Sorts <paramref name="table"/> in <paramref name="partitions"/> key ranges (1: on the calling thread; at most 256), on at most <paramref name="maxThreads"/> threads (-1: no limit).</summary>
    internal static SortedTotals Create(CountTable table, int partitions, int maxThreads = -1) => Create([table], partitions, maxThreads);

    /// <summary>Sorts the keys of all <paramref name="tables"/> in <paramref name="partitions"/> key ranges (1: on the calling thread; at most 256), on at most <paramref name="maxThreads"/> threads (-1: no limit).</summary>
    /// <exception cref="OverflowException">A key's totals summed over the tables pass 2^63-1.</exception>
    internal static SortedTotals Create(IReadOnlyList<CountTable> tables, int partitions, int maxThreads = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfZero(tables.Count);

        // A range's number is kept in a byte per entry while classifying.
        partitions = Math.Min(partitions, byte.MaxValue + 1);
        var (keys, entries) = CountTable.Snapshot(tables, partitions, maxThreads);

        // Every array of entry size here is written in full before it is read, so none needs the
        // runtime to zero it: zeroing reused memory would be a serial pass over some 40 MB.
        // The workspace, and with it the entries as listed and the order array, is dropped on return.
        var work = new SortWorkspace(keys, entries, Platform.LargeArrays.Uninitialized<int>(entries.Length), maxThreads, mayRepeat: tables.Count > 1);
        var splitters = SplitterSampler.Choose(work, Math.Min(partitions, entries.Length));
        var runs = new int[tables.Count + 1];
        for (int t = 0; t < tables.Count; t++)
        {
            runs[t + 1] = runs[t] + tables[t].Count;
        }

        bool merged = false;
        if (tables.Count <= TallyDefaults.SortMaxMergedRuns && SortedListingsMerge.TryMerge(work, runs, splitters))
        {
            merged = true;
        }
        else if (splitters.Length == 0)
        {
            SortSerially(work);
        }
        else
        {
            SortInRanges(work, partitions, splitters);
        }

        return new SortedTotals(keys, work.Ranked, merged);
    }

    /// <summary>The key's range in <see cref="Keys"/> and the total of the <paramref name="rank"/>-th entry.</summary>
    public (Range Key, long Total) Row(int rank)
    {
        var entry = Ranked[rank];
        return (entry.KeyOffset..(entry.KeyOffset + entry.KeyLength), entry.Total);
    }

    public KeyTotal At(int rank)
    {
        var (key, total) = Row(rank);
        return new KeyTotal(Keys.AsMemory(key), total);
    }

    /// <summary>Sorts all the entries as one range, on the calling thread.</summary>
    private static void SortSerially(SortWorkspace work)
    {
        int n = work.Entries.Length;
        var prefixes = Platform.LargeArrays.Uninitialized<ulong>(n);
        for (int i = 0; i < n; i++)
        {
            prefixes[i] = KeyPrefix.Of(work.Key(i));
            work.Order[i] = i;
        }

        int distinct = RangeSorter.Sort(work, prefixes, Platform.LargeArrays.Uninitialized<ulong>(n), Platform.LargeArrays.Uninitialized<int>(n), 0, n);
        if (work.MayRepeat)
        {
            work.Ranked = Platform.LargeArrays.Uninitialized<TableEntry>(distinct);
            work.Gather(0, distinct, 0);
        }
    }

    /// <summary>Sample sort: classify every entry by splitter, scatter it into its range, sort the ranges in parallel.</summary>
    private static void SortInRanges(SortWorkspace work, int parts, int[] splitters)
    {
        var (starts, scattered, scratchPrefixes) = RangePartitioner.Scatter(work, parts, splitters);

        // The ranges are disjoint slices of one array, so sorting them in parallel needs no lock;
        // Parallel.For hands out ranges as cores free up, which evens out their different sizes.
        // The unsorted prefixes are not needed any more: they are the radix passes' scratch space,
        // each range using only its own slice of it.
        var scratchOrder = Platform.LargeArrays.Uninitialized<int>(work.Entries.Length);
        var distinct = new int[starts.Length - 1];
        work.ForEachRange(distinct.Length, range => distinct[range] = RangeSorter.Sort(work, scattered, scratchPrefixes, scratchOrder, starts[range], starts[range + 1]));
        if (work.MayRepeat)
        {
            // A key's copies all classify alike, so they are in one range.
            work.RankRanges(starts, distinct);
        }
    }
}
