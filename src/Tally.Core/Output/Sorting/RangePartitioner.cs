using System.Diagnostics;

namespace Tally.Output.Sorting;

/// <summary>
/// Classifies every entry into the key range between two splitters and scatters it there: the
/// ranges are disjoint and in order, so once each is sorted alone the whole is.
/// </summary>
internal static class RangePartitioner
{
    /// <summary>The entries of <see cref="SortWorkspace.Order"/> scattered into key ranges, each entry's prefix beside it.</summary>
    /// <param name="Starts">Where each range starts in <see cref="SortWorkspace.Order"/>, plus the end of the last.</param>
    /// <param name="Prefixes">Each entry's prefix, at the entry's position in <see cref="SortWorkspace.Order"/>.</param>
    /// <param name="Scratch">An array as long, free for the sort to use (the prefixes in listing order, no longer needed).</param>
    public readonly record struct Ranges(int[] Starts, ulong[] Prefixes, ulong[] Scratch);

    /// <summary>Classifies every entry by splitter and scatters it into its range, in <paramref name="parts"/> slices of the listing on the pool.</summary>
    public static Ranges Scatter(SortWorkspace work, int parts, int[] splitters)
    {
        int n = work.Entries.Length;
        int buckets = splitters.Length + 1;
        var splitterPrefixes = new ulong[splitters.Length];
        for (int i = 0; i < splitters.Length; i++)
        {
            splitterPrefixes[i] = KeyPrefix.Of(work.Key(splitters[i]));
        }

        // Each part counts its own entries per bucket, so classifying needs no shared counter;
        // the counts then give every (part, bucket) pair its own slice of the output, so the
        // scatter needs no synchronisation either and keeps entries in a fixed order.
        var prefixes = Platform.LargeArrays.Uninitialized<ulong>(n);
        var bucketOf = Platform.LargeArrays.Uninitialized<byte>(n);
        var counts = new int[parts * buckets];
        Parallel.For(0, parts, work.ParallelOptions, part =>
        {
            var (start, end) = PartRange(n, part, parts);
            var partCounts = counts.AsSpan(part * buckets, buckets);
            for (int i = start; i < end; i++)
            {
                var key = work.Key(i);
                ulong prefix = KeyPrefix.Of(key);
                int bucket = Bucket(work, prefix, key, splitterPrefixes, splitters);
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

        var scattered = Platform.LargeArrays.Uninitialized<ulong>(n);
        var order = work.Order;
        Parallel.For(0, parts, work.ParallelOptions, part =>
        {
            var (start, end) = PartRange(n, part, parts);
            var next = counts.AsSpan(part * buckets, buckets);
            for (int i = start; i < end; i++)
            {
                int to = next[bucketOf[i]]++;
                scattered[to] = prefixes[i];
                order[to] = i;
            }
        });

        return new Ranges(bucketStarts, scattered, prefixes);
    }

    /// <summary>The number of splitters below the key: the index of the range it belongs to.</summary>
    /// <remarks>
    /// Searches the splitters' prefixes first, without branches: which way a comparison goes is
    /// random from one key to the next, so a branching search mispredicts at almost every step.
    /// Measured on the standard set on two cores, classifying took about 26 ms with a branching
    /// search, 19 ms with this one, and 13 ms with no search at all. Only keys whose prefix equals
    /// a splitter's then compare whole keys, and only from the first such splitter on.
    /// </remarks>
    private static int Bucket(SortWorkspace work, ulong prefix, ReadOnlySpan<byte> key, ulong[] splitterPrefixes, int[] splitters)
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
                : work.Key(splitters[middle]).SequenceCompareTo(key);
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
}
