using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using Tally.Aggregation;

namespace Tally.Output;

/// <summary>The entries of one or more tables in ordinal byte order of their keys, for deterministic output.</summary>
/// <remarks>
/// <para>
/// A key held by several tables (the job hands over a source's worker tables unmerged) comes out
/// once, with its totals summed: the sort puts its copies side by side, so summing them is a
/// comparison with the previous entry instead of a hash table insert per entry.
/// </para>
/// <para>
/// Sorts the keys' first eight bytes read big-endian, which compare like the bytes themselves, as
/// plain integers (by radix, most significant digit first); only keys that share those eight
/// bytes are then compared whole. Measured on 893 thousand ngrams: 300 ms with a comparer over
/// (prefix, index) pairs, far less this way.
/// </para>
/// <para>
/// On a large table this is a sample sort over all cores: keys sampled evenly pick
/// <c>partitions - 1</c> splitter keys; every entry is classified into the range between two
/// splitters and moved there; each range is then sorted alone. The ranges are disjoint and in
/// order, so once each is sorted the whole is. Splitters are whole keys, not prefixes, so the
/// ranges stay even however skewed the keys are: all starting with one byte, or all sharing
/// their first eight.
/// </para>
/// </remarks>
internal sealed class SortedTotals
{
    /// <summary>Sampled keys per partition when choosing splitters.</summary>
    /// <remarks>
    /// With s samples per range a range's size is off by about 1/sqrt(s): 64 gives some 12%, which
    /// four ranges per core even out, and sorting 64 keys per range costs microseconds.
    /// </remarks>
    private const int SamplesPerPartition = 64;

    /// <summary>Most bits of the prefix a radix pass groups by (fewer for small groups).</summary>
    /// <remarks>2^11 counters are 8 KiB, well inside L1 with the two arrays being read and written.</remarks>
    private const int RadixBits = 11;

    /// <summary>Groups of this many entries or fewer are sorted by comparison, not by another radix pass.</summary>
    private const int RadixCutoff = 64;

    /// <summary>Most tables whose sorted listings are merged rather than sorted again.</summary>
    /// <remarks>
    /// The merge picks the least head by scanning every run's head, a cost per entry that grows with
    /// the runs: past 16 a radix pass per entry is cheaper. A job hands over two tables per worker
    /// per source left unfolded; the standard set gives six.
    /// </remarks>
    private const int MaxMergedRuns = 16;

    /// <summary>Caps every parallel loop of the sort at the job's thread count, so <c>--threads</c> bounds the whole run, output included.</summary>
    private readonly ParallelOptions _parallel;

    /// <summary>Whether a key may be in more than one entry: the copies are then summed into one.</summary>
    private readonly bool _mayRepeat;

    private SortedTotals(byte[] keys, TableEntry[] entries, int[] order, int maxThreads, bool mayRepeat)
    {
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
        _mayRepeat = mayRepeat;
        Keys = keys;
        Entries = entries;
        Order = order;

        // With no repeated keys every entry keeps its rank, so the ranked array has its final size
        // now and each range fills its slice of it as soon as it is sorted.
        Ranked = mayRepeat ? [] : GC.AllocateUninitializedArray<TableEntry>(entries.Length);
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
    public TableEntry[] Ranked { get; private set; }

    /// <summary>Distinct keys.</summary>
    public int Count => Ranked.Length;

    /// <summary>Whether every table listed its keys in order, so they were merged instead of sorted (for tests).</summary>
    internal bool MergedRuns { get; private set; }

    /// <summary>The entries as the tables list them (table by table, each in insertion order): sorting's input, dropped when it is done.</summary>
    private TableEntry[] Entries { get; set; }

    /// <summary>Entry indexes in key order: sorting's work array, dropped when it is done.</summary>
    private int[] Order { get; set; }

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
        var sorted = new SortedTotals(keys, entries, GC.AllocateUninitializedArray<int>(entries.Length), maxThreads, mayRepeat: tables.Count > 1);
        var splitters = sorted.ChooseSplitters(Math.Min(partitions, entries.Length));
        var runs = new int[tables.Count + 1];
        for (int t = 0; t < tables.Count; t++)
        {
            runs[t + 1] = runs[t] + tables[t].Count;
        }

        if (tables.Count <= MaxMergedRuns && sorted.TryMergeRuns(runs, splitters))
        {
            sorted.MergedRuns = true;
        }
        else if (splitters.Length == 0)
        {
            var prefixes = GC.AllocateUninitializedArray<ulong>(entries.Length);
            for (int i = 0; i < entries.Length; i++)
            {
                prefixes[i] = Prefix(sorted.Key(i));
                sorted.Order[i] = i;
            }

            int distinct = sorted.SortRange(prefixes, GC.AllocateUninitializedArray<ulong>(entries.Length), GC.AllocateUninitializedArray<int>(entries.Length), 0, prefixes.Length);
            if (sorted._mayRepeat)
            {
                sorted.Ranked = GC.AllocateUninitializedArray<TableEntry>(distinct);
                sorted.Gather(0, distinct, 0);
            }
        }
        else
        {
            sorted.SortInPartitions(partitions, splitters);
        }

        sorted.Entries = [];
        sorted.Order = [];
        return sorted;
    }

    /// <summary>The key's range in <see cref="Keys"/> and the total of the <paramref name="rank"/>-th entry.</summary>
    public (Range Key, long Total) Row(int rank)
    {
        var entry = Ranked[rank];
        return (entry.KeyOffset..(entry.KeyOffset + entry.KeyLength), entry.Total);
    }

    public NgramTotal At(int rank)
    {
        var (key, total) = Row(rank);
        return new NgramTotal(Keys.AsMemory(key), total);
    }

    private ReadOnlySpan<byte> Key(int index)
    {
        var entry = Entries[index];
        return Keys.AsSpan(entry.KeyOffset, entry.KeyLength);
    }

    /// <summary>Up to <paramref name="partitions"/> - 1 distinct entry indexes whose keys cut the sorted order into even ranges.</summary>
    private int[] ChooseSplitters(int partitions)
    {
        if (partitions <= 1)
        {
            return [];
        }

        // Evenly spaced entries of the listing are a systematic sample: for tables filled in key
        // order (sorted input) they sit close to the quantiles themselves. An unlucky order only
        // unbalances the ranges, never changes the result; the same tables always get the same
        // splitters. The entries are distinct, so the splitters
        // are; their keys may repeat when several tables hold a key, which leaves a range empty.
        int samples = (int)Math.Min(Entries.Length, (long)partitions * SamplesPerPartition);
        var sample = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            sample[i] = (int)((long)Entries.Length * i / samples);
        }

        Array.Sort(sample, new KeyComparer(this));
        var splitters = new int[partitions - 1];
        for (int i = 0; i < splitters.Length; i++)
        {
            splitters[i] = sample[(int)((long)samples * (i + 1) / partitions)];
        }

        return splitters;
    }

    /// <summary>Merges the runs if each is sorted: each range between two splitters takes its slice of every run, merges them, and sums repeated keys.</summary>
    /// <returns>False, with the entries untouched, when a run is out of key order.</returns>
    /// <remarks>
    /// <para>
    /// A table lists its keys in the order they first came, and a worker takes a source's blocks in
    /// file order, so when the input is sorted (Ngram files are, by the ngram's bytes) every table
    /// is too. The merge checks it as it goes: each key must be above the one before it in its run,
    /// which is a prefix comparison the merge makes anyway, and a key comparison only where the
    /// prefixes tie. A separate pass cost as much as half the merge. Totals are summed only once
    /// every range has merged, so a run found out of order leaves the entries as they were for the
    /// sort that takes over.
    /// </para>
    /// <para>
    /// Every run is cut at every splitter by binary search (entries below the splitter's key to the
    /// left), so a key's copies in all runs land in the same range. A range's place in the output
    /// is the sum of its slices' starts, so the ranges merge in parallel into disjoint slices of
    /// <see cref="Order"/>. Picking the least of a few run heads by their prefixes reads each entry's
    /// key once, in order: on the standard set (six sorted tables) this replaced classifying,
    /// scattering and radix-sorting every entry.
    /// </para>
    /// </remarks>
    private bool TryMergeRuns(int[] runs, int[] splitters)
    {
        int runCount = runs.Length - 1;
        int ranges = splitters.Length + 1;

        // cuts[r * (ranges + 1) + j]: where range j starts in run r; the last is the run's end.
        var cuts = new int[runCount * (ranges + 1)];
        for (int r = 0; r < runCount; r++)
        {
            cuts[r * (ranges + 1)] = runs[r];
            for (int j = 0; j < splitters.Length; j++)
            {
                cuts[(r * (ranges + 1)) + j + 1] = LowerBound(runs[r], runs[r + 1], Key(splitters[j]));
            }

            cuts[(r * (ranges + 1)) + ranges] = runs[r + 1];

            // The ranges check their own slices; the pairs a cut separates are checked here.
            for (int j = 1; j < ranges; j++)
            {
                int cut = cuts[(r * (ranges + 1)) + j];
                if (cut > runs[r] && cut < runs[r + 1] && Key(cut - 1).SequenceCompareTo(Key(cut)) >= 0)
                {
                    return false;
                }
            }
        }

        var starts = new int[ranges + 1];
        for (int j = 0; j <= ranges; j++)
        {
            for (int r = 0; r < runCount; r++)
            {
                starts[j] += cuts[(r * (ranges + 1)) + j] - runs[r];
            }
        }

        var prefixes = GC.AllocateUninitializedArray<ulong>(Entries.Length);
        int unsorted = 0;
        ForEachRange(ranges, range =>
        {
            if (!MergeRange(cuts, ranges, range, prefixes, starts[range]))
            {
                Volatile.Write(ref unsorted, 1);
            }
        });

        if (Volatile.Read(ref unsorted) != 0)
        {
            return false;
        }

        var distinct = new int[ranges];
        ForEachRange(ranges, range =>
        {
            int start = starts[range];
            int end = starts[range + 1];
            if (_mayRepeat)
            {
                distinct[range] = SumRepeats(prefixes, start, end);
            }
            else
            {
                Gather(start, end - start, start);
                distinct[range] = end - start;
            }
        });

        if (_mayRepeat)
        {
            RankRanges(starts, distinct);
        }

        return true;
    }

    /// <summary>Merges range <paramref name="range"/>'s slice of every run into <see cref="Order"/> from <paramref name="to"/> on, with each entry's prefix beside it.</summary>
    /// <returns>False as soon as a slice is found out of key order.</returns>
    private bool MergeRange(int[] cuts, int ranges, int range, ulong[] prefixes, int to)
    {
        int runCount = cuts.Length / (ranges + 1);
        Span<int> next = stackalloc int[MaxMergedRuns];
        Span<int> ends = stackalloc int[MaxMergedRuns];
        Span<ulong> heads = stackalloc ulong[MaxMergedRuns];
        int live = 0;
        for (int r = 0; r < runCount; r++)
        {
            int from = cuts[(r * (ranges + 1)) + range];
            int end = cuts[(r * (ranges + 1)) + range + 1];
            if (from < end)
            {
                next[live] = from;
                ends[live] = end;
                heads[live] = Prefix(Key(from));
                live++;
            }
        }

        while (live > 0)
        {
            int best = 0;
            for (int h = 1; h < live; h++)
            {
                if (heads[h] < heads[best] || (heads[h] == heads[best] && Key(next[h]).SequenceCompareTo(Key(next[best])) < 0))
                {
                    best = h;
                }
            }

            prefixes[to] = heads[best];
            Order[to++] = next[best];
            if (++next[best] < ends[best])
            {
                ulong prefix = Prefix(Key(next[best]));
                if (prefix < heads[best] || (prefix == heads[best] && Key(next[best] - 1).SequenceCompareTo(Key(next[best])) >= 0))
                {
                    return false;
                }

                heads[best] = prefix;
            }
            else
            {
                // That run's slice is done: the last live one takes its place.
                live--;
                next[best] = next[live];
                ends[best] = ends[live];
                heads[best] = heads[live];
            }
        }

        return true;
    }

    /// <summary>Runs <paramref name="body"/> for every range, in parallel when there are several; throws a failure as itself, not wrapped.</summary>
    /// <remarks>Summing repeated keys can throw <see cref="OverflowException"/>, which callers see as it is on every path.</remarks>
    private void ForEachRange(int count, Action<int> body)
    {
        if (count == 1)
        {
            body(0);
            return;
        }

        try
        {
            Parallel.For(0, count, _parallel, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    /// <summary>The first index in [start..end) of a sorted run whose key is not below <paramref name="key"/>.</summary>
    private int LowerBound(int start, int end, ReadOnlySpan<byte> key)
    {
        while (start < end)
        {
            int middle = (start + end) >>> 1;
            if (Key(middle).SequenceCompareTo(key) < 0)
            {
                start = middle + 1;
            }
            else
            {
                end = middle;
            }
        }

        return start;
    }

    /// <summary>With repeated keys: places each range's distinct entries in <see cref="Ranked"/> after those of the ranges before it.</summary>
    /// <param name="starts">Where each range starts in <see cref="Order"/>.</param>
    /// <param name="distinct">Each range's distinct entries, packed at its start.</param>
    private void RankRanges(int[] starts, int[] distinct)
    {
        // A key's copies all fall in one range, so each range's distinct keys are final; their
        // ranks start where the ranges before them end.
        var firstRank = new int[distinct.Length + 1];
        for (int range = 0; range < distinct.Length; range++)
        {
            firstRank[range + 1] = firstRank[range] + distinct[range];
        }

        Ranked = GC.AllocateUninitializedArray<TableEntry>(firstRank[distinct.Length]);
        Parallel.For(0, distinct.Length, _parallel, range => Gather(starts[range], distinct[range], firstRank[range]));
    }

    /// <summary>Sample sort: classify every entry by splitter, scatter it into its range, sort the ranges in parallel.</summary>
    private void SortInPartitions(int parts, int[] splitters)
    {
        int n = Entries.Length;
        int buckets = splitters.Length + 1;
        var splitterPrefixes = new ulong[splitters.Length];
        for (int i = 0; i < splitters.Length; i++)
        {
            splitterPrefixes[i] = Prefix(Key(splitters[i]));
        }

        // Each part counts its own entries per bucket, so classifying needs no shared counter;
        // the counts then give every (part, bucket) pair its own slice of the output, so the
        // scatter needs no synchronisation either and keeps entries in a fixed order.
        var prefixes = GC.AllocateUninitializedArray<ulong>(n);
        var bucketOf = GC.AllocateUninitializedArray<byte>(n);
        var counts = new int[parts * buckets];
        Parallel.For(0, parts, _parallel, part =>
        {
            var (start, end) = PartRange(n, part, parts);
            var partCounts = counts.AsSpan(part * buckets, buckets);
            for (int i = start; i < end; i++)
            {
                var key = Key(i);
                ulong prefix = Prefix(key);
                int bucket = Bucket(prefix, key, splitterPrefixes, splitters);
                prefixes[i] = prefix;
                bucketOf[i] = (byte)bucket;
                partCounts[bucket]++;
            }
        });

        var bucketStarts = new int[buckets + 1];
        int position = 0;
        for (int bucket = 0; bucket < buckets; bucket++)
        {
            bucketStarts[bucket] = position;
            for (int part = 0; part < parts; part++)
            {
                int count = counts[(part * buckets) + bucket];
                counts[(part * buckets) + bucket] = position;
                position += count;
            }
        }

        bucketStarts[buckets] = position;
        Debug.Assert(position == n);

        var scattered = GC.AllocateUninitializedArray<ulong>(n);
        Parallel.For(0, parts, _parallel, part =>
        {
            var (start, end) = PartRange(n, part, parts);
            var next = counts.AsSpan(part * buckets, buckets);
            for (int i = start; i < end; i++)
            {
                int to = next[bucketOf[i]]++;
                scattered[to] = prefixes[i];
                Order[to] = i;
            }
        });

        // The ranges are disjoint slices of one array, so sorting them in parallel needs no lock;
        // Parallel.For hands out ranges as cores free up, which evens out their different sizes.
        // The unsorted prefixes are not needed any more: they are the radix passes' scratch space,
        // each range using only its own slice of it.
        var scratchOrder = GC.AllocateUninitializedArray<int>(n);
        var distinct = new int[buckets];
        ForEachRange(buckets, bucket => distinct[bucket] = SortRange(scattered, prefixes, scratchOrder, bucketStarts[bucket], bucketStarts[bucket + 1]));
        if (_mayRepeat)
        {
            // A key's copies all classify alike, so they are in one bucket.
            RankRanges(bucketStarts, distinct);
        }
    }

    /// <summary>Sorts <see cref="Order"/>[start..end) by key, given each entry's prefix at the same position; returns the distinct keys in it.</summary>
    /// <remarks>
    /// Without repeated keys the range is also gathered into <see cref="Ranked"/>. With them, each
    /// key's copies are summed into its first and the range's distinct entries moved to its front.
    /// </remarks>
    private int SortRange(ulong[] prefixes, ulong[] scratchPrefixes, int[] scratchOrder, int start, int end)
    {
        RadixSort(prefixes, Order, scratchPrefixes, scratchOrder, start, end);

        // Only runs of equal prefixes (keys that agree on their first eight bytes) need their
        // whole keys compared.
        KeyComparer? byKey = null;
        for (int run = start; run < end;)
        {
            int runEnd = run + 1;
            while (runEnd < end && prefixes[runEnd] == prefixes[run])
            {
                runEnd++;
            }

            if (runEnd - run > 16)
            {
                Array.Sort(Order, run, runEnd - run, byKey ??= new KeyComparer(this));
            }
            else if (runEnd - run > 1)
            {
                // Most runs are a word and its tagged forms, two or three keys: an insertion sort
                // without a call per comparison beats Array.Sort's setup (measured: 178,200 runs).
                InsertionSort(Order.AsSpan(run, runEnd - run));
            }

            run = runEnd;
        }

        if (_mayRepeat)
        {
            return SumRepeats(prefixes, start, end);
        }

        Gather(start, end - start, start);
        return end - start;
    }

    /// <summary>Sums each run of equal keys in sorted <see cref="Order"/>[start..end) into its first entry and packs those entries at <c>start</c>; returns how many there are.</summary>
    private int SumRepeats(ulong[] prefixes, int start, int end)
    {
        int kept = start;
        for (int i = start; i < end; i++)
        {
            int index = Order[i];

            // Equal keys have equal prefixes, so most neighbours differ without a key being read.
            if (kept > start && prefixes[i] == prefixes[i - 1] && Key(Order[kept - 1]).SequenceEqual(Key(index)))
            {
                ref var first = ref Entries[Order[kept - 1]];
                long total = first.Total + Entries[index].Total;
                if (total < 0)
                {
                    CountTable.ThrowOverflow(Key(index));
                }

                first = first with { Total = total };
            }
            else
            {
                Order[kept++] = index;
            }
        }

        return kept - start;
    }

    /// <summary>Copies the entries of <see cref="Order"/>[from..from+count) to <see cref="Ranked"/>[to..].</summary>
    private void Gather(int from, int count, int to)
    {
        for (int i = 0; i < count; i++)
        {
            Ranked[to + i] = Entries[Order[from + i]];
        }
    }

    /// <summary>Sorts [start..end) of <paramref name="prefixes"/> and, alongside, <paramref name="order"/>: most significant digit first.</summary>
    /// <remarks>
    /// Each pass counts the next <see cref="RadixBits"/> bits below those all the prefixes share
    /// and moves the entries into those groups through the scratch arrays, then sorts each group
    /// the same way; groups of <see cref="RadixCutoff"/> or fewer go to the primitive-key
    /// <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/>. Starting below the
    /// shared bits means no pass is wasted on a byte every key has, however skewed the keys.
    /// Profiled on the standard set on one thread, <c>Array.Sort</c> of all the prefixes was over
    /// half of the sort's time: some 20 levels of comparisons per entry, where a radix pass is two
    /// sequential sweeps.
    /// </remarks>
    private static void RadixSort(ulong[] prefixes, int[] order, ulong[] scratchPrefixes, int[] scratchOrder, int start, int end)
    {
        if (end - start <= RadixCutoff)
        {
            Array.Sort(prefixes, order, start, end - start);
            return;
        }

        ulong first = prefixes[start];
        ulong differ = 0;
        for (int i = start + 1; i < end; i++)
        {
            differ |= prefixes[i] ^ first;
        }

        if (differ == 0)
        {
            return;
        }

        // About eight entries per digit value: a group of a few hundred entries would spend more
        // on clearing and scanning 2^11 counters than on moving its entries. Measured on one
        // thread, best of 20: the whole sort took 140 ms with 11 bits always, 85-100 ms this way.
        int bits = Math.Clamp(BitOperations.Log2((uint)(end - start)) - 3, 4, RadixBits);
        int shift = Math.Max(0, 64 - BitOperations.LeadingZeroCount(differ) - bits);
        int mask = (1 << bits) - 1;
        Span<int> next = stackalloc int[1 << RadixBits].Slice(0, mask + 1);
        next.Clear();
        for (int i = start; i < end; i++)
        {
            next[(int)(prefixes[i] >> shift) & mask]++;
        }

        int position = start;
        for (int digit = 0; digit <= mask; digit++)
        {
            int count = next[digit];
            next[digit] = position;
            position += count;
        }

        for (int i = start; i < end; i++)
        {
            int to = next[(int)(prefixes[i] >> shift) & mask]++;
            scratchPrefixes[to] = prefixes[i];
            scratchOrder[to] = order[i];
        }

        Array.Copy(scratchPrefixes, start, prefixes, start, end - start);
        Array.Copy(scratchOrder, start, order, start, end - start);

        // After the move next[digit] is where group digit ends, which is where digit + 1 starts.
        int groupStart = start;
        for (int digit = 0; digit <= mask; digit++)
        {
            int groupEnd = next[digit];
            if (groupEnd - groupStart > 1)
            {
                RadixSort(prefixes, order, scratchPrefixes, scratchOrder, groupStart, groupEnd);
            }

            groupStart = groupEnd;
        }
    }

    /// <summary>The number of splitters below the key: the index of the range it belongs to.</summary>
    /// <remarks>
    /// Searches the splitters' prefixes first, without branches: which way a comparison goes is
    /// random from one key to the next, so a branching search mispredicts at almost every step.
    /// Measured on the standard set on two cores, classifying took about 26 ms with a branching
    /// search, 19 ms with this one, and 13 ms with no search at all. Only keys whose prefix equals
    /// a splitter's then compare whole keys, and only from the first such splitter on.
    /// </remarks>
    private int Bucket(ulong prefix, ReadOnlySpan<byte> key, ulong[] splitterPrefixes, int[] splitters)
    {
        Debug.Assert(splitterPrefixes.Length > 0);
        int low = 0;
        for (int span = splitterPrefixes.Length; span > 1; span -= span >> 1)
        {
            // Written as arithmetic on a 0 or 1: the JIT turns that into a setcc, where
            // a conditional choice of low inside a loop stays a branch (seen in its disassembly).
            int half = span >> 1;
            low += (splitterPrefixes[low + half] < prefix ? 1 : 0) * half;
        }

        low += splitterPrefixes[low] < prefix ? 1 : 0;
        if (low == splitterPrefixes.Length || splitterPrefixes[low] != prefix)
        {
            return low;
        }

        // The splitters from low on are in key order: the first ones share this prefix, the rest
        // are greater. A search comparing prefixes, then whole keys, finds the key's place.
        int high = splitterPrefixes.Length;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            int order = splitterPrefixes[middle] != prefix
                ? splitterPrefixes[middle].CompareTo(prefix)
                : Key(splitters[middle]).SequenceCompareTo(key);
            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private static (int Start, int End) PartRange(int count, int part, int parts)
        => ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

    /// <summary>The key's first eight bytes, zero-padded, as a big-endian integer.</summary>
    /// <remarks>
    /// Orders like the keys except where they tie: a shorter key padded with zeros ties with a
    /// longer one that has zeros there, and the whole keys then decide.
    /// </remarks>
    private static ulong Prefix(ReadOnlySpan<byte> key)
    {
        if (key.Length >= 8)
        {
            return BinaryPrimitives.ReadUInt64BigEndian(key);
        }

        ulong prefix = 0;
        for (int i = 0; i < 8; i++)
        {
            prefix = (prefix << 8) | (i < key.Length ? key[i] : 0u);
        }

        return prefix;
    }

    private void InsertionSort(Span<int> run)
    {
        for (int i = 1; i < run.Length; i++)
        {
            int item = run[i];
            var key = Key(item);
            int j = i - 1;
            while (j >= 0 && Key(run[j]).SequenceCompareTo(key) > 0)
            {
                run[j + 1] = run[j];
                j--;
            }

            run[j + 1] = item;
        }
    }

    private sealed class KeyComparer(SortedTotals sorted) : IComparer<int>
    {
        public int Compare(int x, int y) => sorted.Key(x).SequenceCompareTo(sorted.Key(y));
    }
}
