namespace Tally.Output.Sorting;

/// <summary>Sorts one range of entries by key: a radix sort of their prefixes, then whole keys only where prefixes tie.</summary>
internal static class RangeSorter
{
    /// <summary>Sorts <see cref="SortWorkspace.Order"/>[start..end) by key, given each entry's prefix at the same position; returns the distinct keys in it.</summary>
    /// <remarks>
    /// Without repeated keys the range is also gathered into <see cref="SortWorkspace.Ranked"/>. With
    /// them, each key's copies are summed into its first and the range's distinct entries moved to
    /// its front.
    /// </remarks>
    public static int Sort(SortWorkspace work, ulong[] prefixes, ulong[] scratchPrefixes, int[] scratchOrder, int start, int end)
    {
        var order = work.Order;
        PrefixRadixSort.Sort(prefixes, order, scratchPrefixes, scratchOrder, start, end);

        // Only runs of equal prefixes (keys that agree on their first eight bytes) need their
        // whole keys compared.
        EntryKeyComparer? byKey = null;
        for (int run = start; run < end;)
        {
            int runEnd = run + 1;
            while (runEnd < end && prefixes[runEnd] == prefixes[run])
            {
                runEnd++;
            }

            if (runEnd - run > TallyDefaults.SortInsertionMaxRun)
            {
                Array.Sort(order, run, runEnd - run, byKey ??= new EntryKeyComparer(work));
            }
            else if (runEnd - run > 1)
            {
                // Most runs are a word and its tagged forms, two or three keys: an insertion sort
                // without a call per comparison beats Array.Sort's setup (measured: 178,200 runs).
                InsertionSort(work, order.AsSpan(run, runEnd - run));
            }

            run = runEnd;
        }

        if (work.MayRepeat)
        {
            return RepeatedKeySummer.Sum(work, prefixes, start, end);
        }

        work.Gather(start, end - start, start);
        return end - start;
    }

    private static void InsertionSort(SortWorkspace work, Span<int> run)
    {
        for (int i = 1; i < run.Length; i++)
        {
            int item = run[i];
            var key = work.Key(item);
            int j = i - 1;
            while (j >= 0 && work.Key(run[j]).SequenceCompareTo(key) > 0)
            {
                run[j + 1] = run[j];
                j--;
            }

            run[j + 1] = item;
        }
    }
}
