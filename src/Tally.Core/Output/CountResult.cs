using System.Text;
using Tally.Aggregation;
using Tally.Engine;
using Tally.Output.Sorting;

namespace Tally.Output;

/// <summary>The totals of a finished count job: look up ngrams, list the top ones, write them all sorted.</summary>
public sealed class CountResult
{
    /// <summary>The totals: one table, or several whose keys may overlap, each key's total being the sum over them.</summary>
    /// <remarks>
    /// <para>
    /// The job hands its last sources' tables over unmerged (see <c>CountJob</c>): the sorted output
    /// sums a key's copies on every core, where merging them first was a serial hash-table insert
    /// per entry between the last row counted and the first byte written.
    /// </para>
    /// <para>
    /// Without a sorted output, the count, the top and lookups need the tables merged instead
    /// (<see cref="Merged"/>): inserting the smaller tables' keys into the largest costs a fraction
    /// of sorting every key, which is what they did before. Measured on six files of 1.2 M
    /// distinct keys each, handed over as three tables: see docs/benchmarks.md.
    /// </para>
    /// </remarks>
    private IReadOnlyList<CountTable> _tables;
    private readonly int _threads;
    private SortedTotals? _sorted;

    /// <summary>Taken to sort or merge: either replaces what the other reads, and a result may be read from several threads.</summary>
    private readonly Lock _gate = new();

    /// <param name="tables">The totals: at least one table; a key in several has the sum of its totals there, which fits in a long.</param>
    /// <param name="sources">Every source, in completion order.</param>
    /// <param name="elapsed">The job's time.</param>
    /// <param name="threads">Threads the sorted output may use: the job's workers, so <c>--threads 1</c> stays on one core to the end.</param>
    internal CountResult(IReadOnlyList<CountTable> tables, IReadOnlyList<SourceCompletion> sources, TimeSpan elapsed, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfZero(tables.Count);
        _tables = tables;
        _threads = threads;
        Sources = sources;
        Elapsed = elapsed;
        Rows = sources.Where(s => !s.IsLeftOut).Sum(s => s.Rows);
        SkippedRows = sources.Where(s => !s.IsLeftOut).Sum(s => s.SkippedRows);
        LeftOut = [.. sources.Where(s => s.IsLeftOut)];
    }

    /// <summary>The tables as the job handed them over: a key may be in several, its total the sum.</summary>
    /// <remarks>For a caller that sums per key anyway (a series), which needs neither the sort nor the merge.</remarks>
    internal IReadOnlyList<CountTable> Tables => _tables;

    /// <summary>Distinct ngrams.</summary>
    /// <remarks>With several tables this merges them into one (once), unless the sorted output was made already.</remarks>
    public int Count => _sorted?.Count ?? Merged().Count;

    /// <summary>Rows counted over all sources not left out.</summary>
    public long Rows { get; }

    /// <summary>Malformed rows skipped over all sources not left out (only with <see cref="MalformedRowPolicy.Skip"/>).</summary>
    public long SkippedRows { get; }

    /// <summary>Every source, in completion order, including those left out.</summary>
    public IReadOnlyList<SourceCompletion> Sources { get; }

    /// <summary>Sources left out because they could not be read to the end (only with <see cref="BrokenSourcePolicy.Skip"/>), in completion order.</summary>
    public IReadOnlyList<SourceCompletion> LeftOut { get; }

    /// <summary>Time from the job's start to its end.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The total of <paramref name="ngram"/> (matched exactly, byte for byte in UTF-8), or 0 when absent.</summary>
    public long GetTotal(string ngram) => GetTotal(Encoding.UTF8.GetBytes(ngram));

    /// <summary>The total of the ngram with these bytes, or 0 when absent.</summary>
    public long GetTotal(ReadOnlySpan<byte> utf8)
    {
        if (_sorted is null)
        {
            // A table decoded from elsewhere has no index until looked up: one merged table is
            // one index to build, rather than one per table.
            return Merged().Get(utf8);
        }

        // No overflow check: the job only hands over tables whose largest totals sum within a long.
        long total = 0;
        foreach (var table in _tables)
        {
            total += table.Get(utf8);
        }

        return total;
    }

    /// <summary>The <paramref name="n"/> ngrams with the largest totals, largest first; ties in byte order of the ngram.</summary>
    public IReadOnlyList<KeyTotal> Top(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (_sorted is not { } sorted)
        {
            // One table (merged once, as for the count and lookups), its records walked in place.
            return Merged().Top(n);
        }

        if (n == 0 || sorted.Count == 0)
        {
            return [];
        }

        // Made already for the output, each key once: a min-heap of the best n so far,
        // O(count * log n) and min(n, keys) entries of memory, rather than sorting every key by
        // total when n is small. It grows as it fills, so a huge n (such as int.MaxValue, "all of
        // them") takes no more memory than the keys there are.
        var heap = new PriorityQueue<KeyTotal, KeyTotal>((int)Math.Min((long)n + 1, TallyDefaults.TopInitialCapacity), TopComparer.Instance);
        for (int i = 0; i < sorted.Count; i++)
        {
            var entry = sorted.At(i);
            if (heap.Count < n)
            {
                heap.Enqueue(entry, entry);
            }
            else
            {
                // Once full, most entries lose to the heap's minimum at once: one compare, no sift.
                heap.EnqueueDequeue(entry, entry);
            }
        }

        var top = new KeyTotal[heap.Count];
        for (int i = top.Length - 1; i >= 0; i--)
        {
            top[i] = heap.Dequeue();
        }

        return top;
    }

    /// <summary>Every ngram sorted by its bytes (ordinal), so output is the same on every run.</summary>
    public IReadOnlyList<KeyTotal> Sorted()
    {
        var sorted = Sort();
        var all = new KeyTotal[sorted.Count];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = sorted.At(i);
        }

        return all;
    }

    /// <summary>Writes <c>ngram TAB total</c> lines for every ngram in byte order.</summary>
    /// <remarks>
    /// A large table is sorted and formatted on as many threads as the job had workers
    /// (<see cref="CountOptions.Workers"/>); the stream is written from one task, in order.
    /// </remarks>
    public Task WriteTsvAsync(Stream destination, CancellationToken cancellationToken = default)
        => WriteAsync(TsvRowFormat.Instance, destination, cancellationToken);

    /// <summary>Writes the sorted TSV to <paramref name="path"/>: whole or not at all.</summary>
    public Task WriteTsvAsync(string path, CancellationToken cancellationToken = default)
        => WriteAsync(TsvRowFormat.Instance, path, cancellationToken);

    /// <summary>Writes every ngram in byte order as rows of <paramref name="format"/>, between its header and footer.</summary>
    /// <remarks>
    /// A large table is sorted and formatted on as many threads as the job had workers
    /// (<see cref="CountOptions.Workers"/>): rows are formatted in chunks on the pool, a bounded
    /// number ahead, and written to the stream from one task, in order.
    /// </remarks>
    public async Task WriteAsync(RowFormat format, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(destination);
        await OrderedChunkWriter.WriteAsync(Sort(), format, destination, _threads, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every ngram in byte order as rows of <paramref name="format"/> to <paramref name="path"/>: whole or not at all.</summary>
    public Task WriteAsync(RowFormat format, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(format);
        return AtomicFile.WriteAsync(path, stream => WriteAsync(format, stream, cancellationToken), cancellationToken);
    }

    /// <summary>Hands every ngram and its total to <paramref name="onChunk"/> in ordinal byte order of the ngrams, a chunk of rows at a time.</summary>
    /// <param name="onChunk">
    /// Called once per chunk, in order, each call awaited before the next chunk is made. The chunk's
    /// rows are views of the sorted totals: valid only until the returned task completes, so copy
    /// what must outlive it.
    /// </param>
    /// <param name="cancellationToken">Checked before each chunk, and handed to <paramref name="onChunk"/>.</param>
    /// <remarks>
    /// <para>
    /// For an output in another assembly (a database loader, a Parquet writer, a chart): it streams
    /// every row without an object per ngram. The totals are sorted once (on as many threads as the
    /// job had workers) and the sort is kept for the other views; the walk itself adds no memory
    /// beyond the chunk being handed out.
    /// </para>
    /// <para>
    /// The concatenation of <see cref="RowFormat.WriteRow(Span{byte}, ReadOnlySpan{byte}, long)"/>
    /// over the walk's rows is what <see cref="WriteAsync(RowFormat, Stream, CancellationToken)"/>
    /// writes between the header and footer.
    /// </para>
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no further chunk is handed out.</exception>
    public async Task WalkSortedAsync(Func<SortedChunk, CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onChunk);
        cancellationToken.ThrowIfCancellationRequested();
        var sorted = Sort();
        int chunkRows = TallyDefaults.OutputChunkRows;
        int chunks = (int)(((long)sorted.Count + chunkRows - 1) / chunkRows);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (start, end) = OrderedChunkWriter.Rows(sorted.Count, chunk, chunkRows);
            await onChunk(new SortedChunk(sorted, start, end), cancellationToken).ConfigureAwait(false);
        }
    }

    private SortedTotals Sort()
    {
        lock (_gate)
        {
            return _sorted ??= SortedTotals.ForThreads(_tables, _threads);
        }
    }

    /// <summary>The totals as one table: the others folded into the largest, once; the fold is sized for every key at the start.</summary>
    /// <remarks>No overflow check is lost: the job hands over only tables whose largest totals sum within a long.</remarks>
    private CountTable Merged()
    {
        lock (_gate)
        {
            if (_tables.Count > 1)
            {
                var tables = _tables.OrderByDescending(t => t.Count).ToArray();
                var into = tables[0];
                into.Reserve(tables.Skip(1));
                foreach (var table in tables.AsSpan(1))
                {
                    into.MergeFrom(table);
                }

                _tables = [into];
            }

            return _tables[0];
        }
    }

    private sealed class TopComparer : IComparer<KeyTotal>
    {
        public static readonly TopComparer Instance = new();

        public int Compare(KeyTotal x, KeyTotal y) => KeyTotal.CompareForTop(x.Total, x.Utf8.Span, y.Total, y.Utf8.Span);
    }
}
