using Tally.Aggregation;

namespace Tally.Output.Sorting;

/// <summary>
/// The arrays one sort shares between its steps: the key bytes, the entries as the tables list
/// them, the entry indexes being put in key order, and the ranked entries that come out.
/// </summary>
/// <remarks>Lives only while <see cref="SortedTotals"/> is being made: the work arrays go with it.</remarks>
internal sealed class SortWorkspace
{
    public SortWorkspace(byte[] keys, TableEntry[] entries, int[] order, int maxThreads, bool mayRepeat)
    {
        ParallelOptions = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
        MayRepeat = mayRepeat;
        Keys = keys;
        Entries = entries;
        Order = order;

        // With no repeated keys every entry keeps its rank, so the ranked array has its final size
        // now and each range fills its slice of it as soon as it is sorted.
        Ranked = mayRepeat ? [] : Platform.LargeArrays.Uninitialized<TableEntry>(entries.Length);
    }

    /// <summary>Whether a key may be in more than one entry: the copies are then summed into one.</summary>
    public bool MayRepeat { get; }

    /// <summary>The bytes every entry's key lies in (a single table's own arena, never written; a copy for several).</summary>
    public byte[] Keys { get; }

    /// <summary>The entries as the tables list them (table by table, each in insertion order): sorting's input.</summary>
    public TableEntry[] Entries { get; }

    /// <summary>Entry indexes in key order: sorting's work array.</summary>
    public int[] Order { get; }

    /// <summary>The entries in key order, each key once: what the sort makes.</summary>
    public TableEntry[] Ranked { get; set; }

    /// <summary>Caps every parallel loop of the sort at the job's thread count, so <c>--threads</c> bounds the whole run, output included.</summary>
    public ParallelOptions ParallelOptions { get; }

    /// <summary>The key of entry <paramref name="index"/> (an index into <see cref="Entries"/>).</summary>
    public ReadOnlySpan<byte> Key(int index)
    {
        var entry = Entries[index];
        return Keys.AsSpan(entry.KeyOffset, entry.KeyLength);
    }

    /// <summary>Runs <paramref name="body"/> for every range, in parallel when there are several; throws a failure as itself, not wrapped.</summary>
    /// <remarks>Summing repeated keys can throw <see cref="OverflowException"/>, which callers see as it is on every path.</remarks>
    public void ForEachRange(int count, Action<int> body)
    {
        if (count == 1)
        {
            body(0);
            return;
        }

        try
        {
            Parallel.For(0, count, ParallelOptions, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    /// <summary>Copies the entries of <see cref="Order"/>[from..from+count) to <see cref="Ranked"/>[to..].</summary>
    public void Gather(int from, int count, int to)
    {
        for (int i = 0; i < count; i++)
        {
            Ranked[to + i] = Entries[Order[from + i]];
        }
    }

    /// <summary>With repeated keys: places each range's distinct entries in <see cref="Ranked"/> after those of the ranges before it.</summary>
    /// <param name="starts">Where each range starts in <see cref="Order"/>.</param>
    /// <param name="distinct">Each range's distinct entries, packed at its start.</param>
    public void RankRanges(int[] starts, int[] distinct)
    {
        // A key's copies all fall in one range, so each range's distinct keys are final; their
        // ranks start where the ranges before them end.
        var firstRank = new int[distinct.Length + 1];
        for (int range = 0; range < distinct.Length; range++)
        {
            firstRank[range + 1] = firstRank[range] + distinct[range];
        }

        Ranked = Platform.LargeArrays.Uninitialized<TableEntry>(firstRank[distinct.Length]);
        Parallel.For(0, distinct.Length, ParallelOptions, range => Gather(starts[range], distinct[range], firstRank[range]));
    }
}
