namespace Tally.Output.Sorting;

/// <summary>
/// A k-way merge of the tables' listings when each is already in key order (sorted input), in
/// parallel over the key ranges between splitters: no classifying, scattering or radix sort.
/// </summary>
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
/// <see cref="SortWorkspace.Order"/>. Picking the least of a few run heads by their prefixes reads
/// each entry's key once, in order: on the standard set (six sorted tables) this replaced
/// classifying, scattering and radix-sorting every entry.
/// </para>
/// </remarks>
internal static class SortedListingsMerge
{
    /// <summary>Merges the runs if each is sorted: each range between two splitters takes its slice of every run, merges them, and sums repeated keys.</summary>
    /// <param name="work">The sort's arrays.</param>
    /// <param name="runs">Where each table's listing starts in <see cref="SortWorkspace.Entries"/>, plus the end of the last; at most <see cref="TallyDefaults.SortMaxMergedRuns"/> runs.</param>
    /// <param name="splitters">The entries whose keys cut the ranges.</param>
    /// <returns>False, with the entries untouched, when a run is out of key order.</returns>
    public static bool TryMerge(SortWorkspace work, int[] runs, int[] splitters)
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
                cuts[(r * (ranges + 1)) + j + 1] = LowerBound(work, runs[r], runs[r + 1], work.Key(splitters[j]));
            }

            cuts[(r * (ranges + 1)) + ranges] = runs[r + 1];

            // The ranges check their own slices; the pairs a cut separates are checked here.
            for (int j = 1; j < ranges; j++)
            {
                int cut = cuts[(r * (ranges + 1)) + j];
                if (cut > runs[r] && cut < runs[r + 1] && work.Key(cut - 1).SequenceCompareTo(work.Key(cut)) >= 0)
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

        var prefixes = Platform.LargeArrays.Uninitialized<ulong>(work.Entries.Length);
        int unsorted = 0;
        work.ForEachRange(ranges, range =>
        {
            if (!MergeRange(work, cuts, ranges, range, prefixes, starts[range]))
            {
                Volatile.Write(ref unsorted, 1);
            }
        });

        if (Volatile.Read(ref unsorted) != 0)
        {
            return false;
        }

        var distinct = new int[ranges];
        work.ForEachRange(ranges, range =>
        {
            int start = starts[range];
            int end = starts[range + 1];
            if (work.MayRepeat)
            {
                distinct[range] = RepeatedKeySummer.Sum(work, prefixes, start, end);
            }
            else
            {
                work.Gather(start, end - start, start);
                distinct[range] = end - start;
            }
        });

        if (work.MayRepeat)
        {
            work.RankRanges(starts, distinct);
        }

        return true;
    }

    /// <summary>Merges range <paramref name="range"/>'s slice of every run into <see cref="SortWorkspace.Order"/> from <paramref name="to"/> on, with each entry's prefix beside it.</summary>
    /// <returns>False as soon as a slice is found out of key order.</returns>
    private static bool MergeRange(SortWorkspace work, int[] cuts, int ranges, int range, ulong[] prefixes, int to)
    {
        var order = work.Order;
        int runCount = cuts.Length / (ranges + 1);
        Span<int> next = stackalloc int[TallyDefaults.SortMaxMergedRuns];
        Span<int> ends = stackalloc int[TallyDefaults.SortMaxMergedRuns];
        Span<ulong> heads = stackalloc ulong[TallyDefaults.SortMaxMergedRuns];
        int live = 0;
        for (int r = 0; r < runCount; r++)
        {
            int from = cuts[(r * (ranges + 1)) + range];
            int end = cuts[(r * (ranges + 1)) + range + 1];
            if (from < end)
            {
                next[live] = from;
                ends[live] = end;
                heads[live] = KeyPrefix.Of(work.Key(from));
                live++;
            }
        }

        while (live > 0)
        {
            int best = 0;
            for (int h = 1; h < live; h++)
            {
                if (heads[h] < heads[best] || (heads[h] == heads[best] && work.Key(next[h]).SequenceCompareTo(work.Key(next[best])) < 0))
                {
                    best = h;
                }
            }

            prefixes[to] = heads[best];
            order[to++] = next[best];
            if (++next[best] < ends[best])
            {
                ulong prefix = KeyPrefix.Of(work.Key(next[best]));
                if (prefix < heads[best] || (prefix == heads[best] && work.Key(next[best] - 1).SequenceCompareTo(work.Key(next[best])) >= 0))
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

    /// <summary>The first index in [start..end) of a sorted run whose key is not below <paramref name="key"/>.</summary>
    private static int LowerBound(SortWorkspace work, int start, int end, ReadOnlySpan<byte> key)
    {
        while (start < end)
        {
            int middle = (start + end) >>> 1;
            if (work.Key(middle).SequenceCompareTo(key) < 0)
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
}
