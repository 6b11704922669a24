using Tally.Aggregation;

namespace Tally.Output.Sorting;

/// <summary>Sums the copies of a key held by several tables, which the sort has put side by side, into one entry.</summary>
/// <remarks>
/// Summing is a comparison with the previous entry instead of a hash table insert per entry: the
/// job hands over a source's worker tables unmerged so that this happens on every core.
/// </remarks>
internal static class RepeatedKeySummer
{
    /// <summary>Sums each run of equal keys in sorted <see cref="SortWorkspace.Order"/>[start..end) into its first entry and packs those entries at <c>start</c>; returns how many there are.</summary>
    /// <param name="work">The sort's arrays.</param>
    /// <param name="prefixes">Each entry's key prefix, at the same position as in <see cref="SortWorkspace.Order"/>.</param>
    /// <param name="start">The first position of the sorted range.</param>
    /// <param name="end">The position past the sorted range.</param>
    /// <exception cref="OverflowException">A key's summed total passes 2^63-1.</exception>
    public static int Sum(SortWorkspace work, ulong[] prefixes, int start, int end)
    {
        var order = work.Order;
        var entries = work.Entries;
        int kept = start;
        for (int i = start; i < end; i++)
        {
            int index = order[i];

            // Equal keys have equal prefixes, so most neighbours differ without a key being read.
            if (kept > start && prefixes[i] == prefixes[i - 1] && work.Key(order[kept - 1]).SequenceEqual(work.Key(index)))
            {
                ref var first = ref entries[order[kept - 1]];
                long total = first.Total + entries[index].Total;
                if (total < 0)
                {
                    CountTable.ThrowOverflow(work.Key(index));
                }

                first = first with { Total = total };
            }
            else
            {
                order[kept++] = index;
            }
        }

        return kept - start;
    }
}
