using Tally.Output.Sorting;

namespace Tally.Output;

/// <summary>A run of consecutive rows of the sorted totals, in ordinal byte order of the ngrams, as <see cref="CountResult.WalkSortedAsync"/> hands them out.</summary>
/// <remarks>
/// A chunk is a view of the result's sorted arrays, not a copy: read its rows during the callback
/// that receives it and copy what must outlive it. Each ngram appears once in the whole walk.
/// </remarks>
public readonly struct SortedChunk
{
    private readonly SortedTotals? _sorted;
    private readonly int _start;

    internal SortedChunk(SortedTotals sorted, int start, int end)
    {
        _sorted = sorted;
        _start = start;
        Count = end - start;
    }

    /// <summary>The rank of the chunk's first row in the whole sorted listing (0 for the first chunk).</summary>
    public int FirstRank => _start;

    /// <summary>Rows in the chunk.</summary>
    public int Count { get; }

    /// <summary>The ngram bytes of row <paramref name="row"/> (0 to <see cref="Count"/> - 1).</summary>
    public ReadOnlySpan<byte> Key(int row)
    {
        int rank = _start + CheckRow(row);
        var entry = _sorted!.Ranked[rank];
        return _sorted.Keys.AsSpan(entry.KeyOffset, entry.KeyLength);
    }

    /// <summary>The total of row <paramref name="row"/> (0 to <see cref="Count"/> - 1).</summary>
    public long Total(int row)
    {
        int rank = _start + CheckRow(row);
        return _sorted!.Ranked[rank].Total;
    }

    /// <summary>The rows in order, for <c>foreach (var row in chunk)</c>.</summary>
    public Enumerator GetEnumerator() => new(this);

    private int CheckRow(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return row;
    }

    /// <summary>Walks a chunk's rows in order.</summary>
    public ref struct Enumerator
    {
        private readonly SortedChunk _chunk;
        private int _row;

        internal Enumerator(SortedChunk chunk)
        {
            _chunk = chunk;
            _row = -1;
        }

        /// <summary>The current row.</summary>
        public readonly SortedRow Current
        {
            get
            {
                var entry = _chunk._sorted!.Ranked[_chunk._start + _row];
                return new SortedRow(_chunk._sorted.Keys.AsSpan(entry.KeyOffset, entry.KeyLength), entry.Total);
            }
        }

        /// <summary>Moves to the next row; false past the last.</summary>
        public bool MoveNext() => ++_row < _chunk.Count;
    }
}
