namespace Tally.Output.Sorting;

/// <summary>Picks the splitter keys that cut the sorted order into even key ranges, from a sample of the entries.</summary>
/// <remarks>
/// Splitters are whole keys, not prefixes, so the ranges stay even however skewed the keys are:
/// all starting with one byte, or all sharing their first eight.
/// </remarks>
internal static class SplitterSampler
{
    /// <summary>Up to <paramref name="partitions"/> - 1 distinct entry indexes whose keys cut the sorted order into even ranges.</summary>
    public static int[] Choose(SortWorkspace work, int partitions)
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
        int samples = (int)Math.Min(work.Entries.Length, (long)partitions * TallyDefaults.SortSamplesPerPartition);
        var sample = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            sample[i] = (int)((long)work.Entries.Length * i / samples);
        }

        Array.Sort(sample, new EntryKeyComparer(work));
        var splitters = new int[partitions - 1];
        for (int i = 0; i < splitters.Length; i++)
        {
            splitters[i] = sample[(int)((long)samples * (i + 1) / partitions)];
        }

        return splitters;
    }
}
