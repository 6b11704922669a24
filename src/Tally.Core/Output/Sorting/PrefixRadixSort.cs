using System.Numerics;

namespace Tally.Output.Sorting;

/// <summary>Sorts key prefixes, and entry indexes alongside them, by radix: most significant digit first.</summary>
internal static class PrefixRadixSort
{
    /// <summary>Sorts [start..end) of <paramref name="prefixes"/> and, alongside, <paramref name="order"/>: most significant digit first.</summary>
    /// <remarks>
    /// Each pass counts the next <see cref="TallyDefaults.SortRadixBits"/> bits below those all the
    /// prefixes share and moves the entries into those groups through the scratch arrays, then
    /// sorts each group the same way; groups of <see cref="TallyDefaults.SortRadixCutoff"/> or fewer
    /// go to the primitive-key
    /// <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/>. Starting below the
    /// shared bits means no pass is wasted on a byte every key has, however skewed the keys.
    /// Profiled on the standard set on one thread, <c>Array.Sort</c> of all the prefixes was over
    /// half of the sort's time: some 20 levels of comparisons per entry, where a radix pass is two
    /// sequential sweeps.
    /// </remarks>
    public static void Sort(ulong[] prefixes, int[] order, ulong[] scratchPrefixes, int[] scratchOrder, int start, int end)
    {
        if (end - start <= TallyDefaults.SortRadixCutoff)
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
        int bits = Math.Clamp(BitOperations.Log2((uint)(end - start)) - 3, 4, TallyDefaults.SortRadixBits);
        int shift = Math.Max(0, 64 - BitOperations.LeadingZeroCount(differ) - bits);
        int mask = (1 << bits) - 1;
        Span<int> next = stackalloc int[1 << TallyDefaults.SortRadixBits].Slice(0, mask + 1);
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
                Sort(prefixes, order, scratchPrefixes, scratchOrder, groupStart, groupEnd);
            }

            groupStart = groupEnd;
        }
    }
}
