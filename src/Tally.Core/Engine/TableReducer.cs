using Tally.Aggregation;

namespace Tally.Engine;

/// <summary>
/// The reduce side's totals: finished sources' tables, folded into one table only when keeping
/// them apart would cost too much memory. The rest go to the result as they are.
/// </summary>
/// <remarks>
/// <para>
/// Folding a table into another is a hash-table insert per entry on the one merger thread. The
/// sorted output puts every key's copies side by side anyway, so it can sum them there on all
/// cores instead. Measured on the standard set (three files, six worker tables, keys disjoint
/// between files): the folds were 130-160 ms of CPU, the last one 25-45 ms after the last row was
/// counted, with one core idle.
/// </para>
/// <para>
/// The cost of not folding is memory, since a key held by several tables is stored once in each.
/// So tables wait unfolded only while their footprint stays under
/// <see cref="TallyDefaults.UnfoldedTableBytes"/> or under the folded table's own footprint,
/// whichever is larger. Memory then stays at most about twice the folded table plus a constant,
/// whatever the number of sources, and each entry is still inserted at most once.
/// </para>
/// <para>
/// The tables handed over must sum without overflow, with no check left for the output: while
/// the sum of every table's largest total fits in a long, no key's sum can pass it. Otherwise
/// they are folded here, and the fold finds the key and source that pass 2^63-1.
/// </para>
/// <para>
/// With <c>foldOnArrival</c> (an executor whose map runs elsewhere, see
/// <see cref="Execution.Executor.FoldsTablesOnArrival"/>) every table is folded as it is added:
/// this process has nothing else to do then, and nothing is left for the end.
/// </para>
/// <para>Used by the merger alone: no locks.</para>
/// </remarks>
internal sealed class TableReducer(long unfoldedBytes = TallyDefaults.UnfoldedTableBytes, bool foldOnArrival = false)
{
    private readonly List<(CountTable Table, string Source)> _unfolded = [];
    private CountTable? _folded;
    private long _unfoldedBytes;

    /// <summary>Adds a finished source's table, folding the waiting tables if they grow too large.</summary>
    /// <exception cref="TallyDataException">A total passes 2^63-1 (the message names the key and <paramref name="source"/> or a later one).</exception>
    public void Add(CountTable table, string source)
    {
        _unfolded.Add((table, source));
        _unfoldedBytes += table.Footprint;
        if (foldOnArrival || _unfoldedBytes > Math.Max(unfoldedBytes, _folded?.Footprint ?? 0) || !SumsFit())
        {
            Fold();
        }
    }

    /// <summary>The tables for the result: at least one; a key in several has the sum of its totals there, which fits in a long.</summary>
    /// <exception cref="TallyDataException">A total passes 2^63-1.</exception>
    public IReadOnlyList<CountTable> Finish()
    {
        if (!SumsFit())
        {
            Fold();
        }

        var tables = new List<CountTable>(_unfolded.Count + 1);
        if (_folded is not null)
        {
            tables.Add(_folded);
        }

        foreach (var (table, _) in _unfolded)
        {
            tables.Add(table);
        }
        return tables.Count > 0 ? tables : [new CountTable(capacity: 0)];
    }

    /// <summary>Whether the largest totals of all the tables sum within a long.</summary>
    private bool SumsFit()
    {
        long sum = _folded?.MaxTotal ?? 0;
        foreach (var (table, _) in _unfolded)
        {
            // Each term is below 2^63, so a sum that passes it turns negative at once.
            sum += table.MaxTotal;
            if (sum < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Folds every waiting table into one: into the folded table, or into the largest waiting one when there is none yet.</summary>
    private void Fold()
    {
        if (_folded is null && _unfolded.Count > 0)
        {
            // Adopting the largest table (no copy) leaves the fewest entries to insert.
            int largest = 0;
            for (int i = 1; i < _unfolded.Count; i++)
            {
                largest = _unfolded[i].Table.Count > _unfolded[largest].Table.Count ? i : largest;
            }

            _folded = _unfolded[largest].Table;
            _unfolded.RemoveAt(largest);
        }

        // Room for them all at once: one growth of the folded table rather than one per doubling.
        _folded!.Reserve(_unfolded.Select(t => t.Table));
        foreach (var (table, source) in _unfolded)
        {
            FoldInto(_folded, table, source);
        }

        _unfolded.Clear();
        _unfoldedBytes = 0;
    }

    /// <summary>Adds <paramref name="table"/> into <paramref name="into"/>, naming <paramref name="source"/> if a total passes 2^63-1.</summary>
    public static void FoldInto(CountTable into, CountTable table, string source)
    {
        try
        {
            into.MergeFrom(table);
        }
        catch (OverflowException e)
        {
            throw new TallyDataException(source, null, e.Message, e);
        }
    }
}
