namespace Tally.Cluster.Reduce;

/// <summary>The keys that cut the output into even ranges, chosen from the map runs' samples, as TeraSort does.</summary>
/// <remarks>
/// Each run sends a sample of its keys evenly spaced by the bytes of its records, so a sampled key
/// stands for <c>bytes / samples</c> bytes of its run. Sorted together, the sample's weighted
/// quantiles at <c>k / parts</c> are the splitters: range <c>k</c> is <c>[splitter k-1, splitter k)</c>,
/// the first open below and the last open above. Ranges are even in the bytes of runs they merge
/// (a key in several runs counts once per run), which is what a reducer's time and a text part's
/// size follow, rather than in distinct keys. Two equal splitters leave a range empty, which is a
/// valid (empty) part.
/// </remarks>
internal static class Splitters
{
    /// <summary>The <paramref name="parts"/> - 1 splitters, ascending; fewer parts than 2 need none.</summary>
    public static byte[][] Choose(IEnumerable<RunSummary> runs, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        var weighted = new List<(byte[] Key, double Weight)>();
        foreach (var run in runs)
        {
            double weight = run.Sample.Count == 0 ? 0 : (double)run.Bytes / run.Sample.Count;
            weighted.AddRange(run.Sample.Select(key => (key, weight)));
        }

        var splitters = new byte[parts - 1][];
        if (parts == 1)
        {
            return splitters;
        }

        weighted.Sort((x, y) => x.Key.AsSpan().SequenceCompareTo(y.Key));
        double total = weighted.Sum(w => w.Weight);
        double seen = 0;
        int next = 0;
        int k = 1;
        while (k < parts)
        {
            // The first sampled key past k/parts of the weight starts range k.
            double target = total * k / parts;
            while (next < weighted.Count && seen + weighted[next].Weight <= target)
            {
                seen += weighted[next].Weight;
                next++;
            }

            // Past the last sample (or with none at all) the range is empty, beyond every key.
            splitters[k - 1] = next < weighted.Count ? weighted[next].Key : Beyond(weighted);
            k++;
        }

        return splitters;
    }

    /// <summary>A key above every sampled key: the largest with a byte appended; ranges past it are empty but for keys no run sampled, which the last range takes anyway.</summary>
    private static byte[] Beyond(List<(byte[] Key, double Weight)> weighted) => weighted.Count == 0 ? [] : [.. weighted[^1].Key, 0];
}
