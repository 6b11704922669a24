using System.Buffers;
using Tally.Aggregation;
using Tally.Output;

namespace Tally.Cluster.Reduce;

/// <summary>
/// A reducer's work: the keys of one range <c>[lower, upper)</c> read from every map run, merged
/// in ordinal byte order with equal keys summed, and written as one part file.
/// </summary>
/// <remarks>
/// A k-way merge: one <see cref="RangeReader"/> per run (a 32 KiB buffer and the run's sparse
/// index each) under a heap ordered by the readers' current keys. Memory is the readers, the heap
/// and the row being written: it does not grow with the range's size, so a reducer writing a text
/// format holds far less than its share of the distinct keys (a whole-file format, see
/// <see cref="RangeMerge.WriteTableAsync"/>, holds its share). Rows are formatted by the same <see cref="RowFormat"/> a
/// local <c>-o</c> uses, and the comparer is the one its sort uses (ordinal bytes, a prefix before
/// its extensions), so the parts in order are the local output byte for byte.
/// </remarks>
internal static class RangeMerge
{
    private const int ReaderBufferBytes = 32 << 10;
    private const int FlushBytes = 1 << 16;

    /// <summary>Rows merged between two progress reports of <see cref="WriteTableAsync"/>.</summary>
    private const int ProgressRows = 1 << 16;

    /// <summary>Writes part <paramref name="path"/> (whole or not at all) and returns its rows and bytes.</summary>
    /// <remarks>
    /// The merge and its writes run on the calling thread, which they hold until the part is
    /// written: give it a thread of its own (<see cref="Nodes.ReduceTaskGrain"/> does). Written
    /// asynchronously, each 64 KiB went to a pool thread and the merge came back after it, both
    /// through the local queue of one pool thread, and on a node of one core (one pool thread) the
    /// node's Orleans runtime waited behind that loop for the whole merge.
    /// </remarks>
    /// <param name="runs">The map runs to merge.</param>
    /// <param name="lower">The range's first key, inclusive; null for none.</param>
    /// <param name="upper">The range's end, exclusive; null for none.</param>
    /// <param name="format">How a row is written.</param>
    /// <param name="header">Whether the part starts the output (part 0): only it carries the format's header.</param>
    /// <param name="footer">Whether the part ends the output (the last): only it carries the footer.</param>
    /// <param name="path">The part file.</param>
    /// <param name="progress">Told the rows written so far, now and then, from the merging thread.</param>
    /// <param name="cancellationToken">Stops the merge; the part is then not written.</param>
    public static async Task<(long Rows, long Bytes)> WriteAsync(IReadOnlyList<string> runs, byte[]? lower, byte[]? upper, RowFormat format, bool header, bool footer,
        string path, Action<long> progress, CancellationToken cancellationToken)
    {
        long rows = 0;
        long bytes = 0;
        await AtomicFile.WriteAsync(path, stream =>
        {
            using var merge = new Cursor(runs, lower, upper);
            var rowsOut = new ArrayBufferWriter<byte>(FlushBytes * 2);
            if (header)
            {
                format.WriteHeader(rowsOut);
            }

            while (merge.MoveNext())
            {
                format.WriteRow(rowsOut, merge.Key, merge.Total);
                rows++;
                if (rowsOut.WrittenCount >= FlushBytes)
                {
                    bytes += rowsOut.WrittenCount;
                    cancellationToken.ThrowIfCancellationRequested();
                    stream.Write(rowsOut.WrittenSpan);
                    rowsOut.ResetWrittenCount();
                    progress(rows);
                }
            }

            if (footer)
            {
                format.WriteFooter(rowsOut);
            }

            bytes += rowsOut.WrittenCount;
            stream.Write(rowsOut.WrittenSpan);

            // Here too, so the file's last bytes leave its buffer on this thread.
            stream.Flush();
            progress(rows);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return (rows, bytes);
    }

    /// <summary>
    /// Writes part <paramref name="path"/> as a whole file of <paramref name="format"/> (Parquet,
    /// SQLite: formats whose files do not concatenate) holding the range's totals in key order.
    /// </summary>
    /// <remarks>
    /// Such a format writes a <see cref="CountResult"/>, so the range is merged into a table first:
    /// the reducer then holds its range's keys, about 1/P of the distinct keys, where the text path
    /// holds only its buffers. The part is the file a local <c>-o</c> of the same format would be
    /// for just those keys; a reader takes the parts in order (<c>read_parquet('DIR/part-*')</c>).
    /// </remarks>
    public static async Task<(long Rows, long Bytes)> WriteTableAsync(IReadOnlyList<string> runs, byte[]? lower, byte[]? upper, OutputFormat format,
        string path, Action<long> progress, CancellationToken cancellationToken)
    {
        var table = new CountTable();
        using (var merge = new Cursor(runs, lower, upper))
        {
            while (merge.MoveNext())
            {
                // Each key comes out of the merge once, its copies summed: a plain insert.
                table.Add(merge.Key, merge.Total);
                if (table.Count % ProgressRows == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress(table.Count);
                }
            }
        }

        var result = new CountResult([table], [], TimeSpan.Zero, threads: 1);
        await format.WriteAsync(result, path, cancellationToken).ConfigureAwait(false);
        progress(table.Count);
        return (table.Count, new FileInfo(path).Length);
    }

    /// <summary>
    /// The k-way merge: one <see cref="RangeReader"/> per run under a heap ordered by the readers'
    /// current keys; each step gives the next key of the range with its copies in every run summed.
    /// </summary>
    private sealed class Cursor : IDisposable
    {
        private readonly List<RangeReader> _readers;
        private readonly PriorityQueue<RangeReader, RangeReader> _heap;
        private byte[] _key = new byte[256];
        private int _length;
        private RangeReader? _least;

        public Cursor(IReadOnlyList<string> runs, byte[]? lower, byte[]? upper)
        {
            _readers = new List<RangeReader>(runs.Count);
            try
            {
                foreach (string run in runs)
                {
                    _readers.Add(RangeReader.Open(run, lower, upper, ReaderBufferBytes));
                }
            }
            catch
            {
                Dispose();
                throw;
            }

            _heap = new PriorityQueue<RangeReader, RangeReader>(_readers.Count, RangeReader.ByKey);
            foreach (var reader in _readers.Where(r => r.MoveNext()))
            {
                _heap.Enqueue(reader, reader);
            }
        }

        public ReadOnlySpan<byte> Key => _key.AsSpan(0, _length);

        public long Total { get; private set; }

        public bool MoveNext()
        {
            // The least reader is kept out of the heap: runs of disjoint keys (files split by
            // letter, as Google's are) give long stretches from one run, and then each key costs
            // one comparison with the heap's top instead of a dequeue and an enqueue. A reader is
            // only ever advanced out of the heap, so no key changes under the heap's order.
            if (_least is null)
            {
                if (!_heap.TryDequeue(out _least, out _))
                {
                    return false;
                }
            }
            else if (_heap.TryPeek(out var top, out _) && top.Key.SequenceCompareTo(_least.Key) < 0)
            {
                _least = _heap.EnqueueDequeue(_least, _least);
            }

            var first = _least;
            _length = first.Key.Length;
            if (_key.Length < _length)
            {
                _key = new byte[Math.Max(_length, _key.Length * 2)];
            }

            first.Key.CopyTo(_key);
            long total = first.Total;
            if (!first.MoveNext())
            {
                _least = null;
            }

            // Equal keys from other runs are at the heap's top (a run holds each key once): sum
            // them into this row.
            while (_heap.TryPeek(out var next, out _) && next.Key.SequenceEqual(Key))
            {
                _heap.Dequeue();
                total = AddChecked(total, next.Total, Key);
                if (next.MoveNext())
                {
                    _heap.Enqueue(next, next);
                }
            }

            Total = total;
            return true;
        }

        public void Dispose()
        {
            foreach (var reader in _readers)
            {
                reader.Dispose();
            }
        }
    }

    private static long AddChecked(long total, long more, ReadOnlySpan<byte> key)
    {
        long sum = total + more;
        if (((total ^ sum) & (more ^ sum)) < 0)
        {
            throw new TallyDataException("", null, $"the total of \"{System.Text.Encoding.UTF8.GetString(key)}\" is past the largest count, 2^63 - 1");
        }

        return sum;
    }
}

internal sealed class RangeReader : IDisposable
{
    public static readonly IComparer<RangeReader> ByKey = Comparer<RangeReader>.Create((x, y) => x.Key.SequenceCompareTo(y.Key));

    private readonly FileStream _file;
    private readonly VarintReader _reader;
    private readonly byte[]? _lower;
    private readonly byte[]? _upper;
    private byte[] _key = new byte[256];
    private int _keyLength;

    private RangeReader(FileStream file, VarintReader reader, byte[]? lower, byte[]? upper)
    {
        _file = file;
        _reader = reader;
        _lower = lower;
        _upper = upper;
    }

    /// <summary>The current record's key: valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

    public long Total { get; private set; }

    public static RangeReader Open(string path, byte[]? lower, byte[]? upper, int bufferBytes)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        try
        {
            var (index, recordsEnd, _) = RunFile.ReadIndex(file);

            // Start at the last entry whose key is below the range (the records before it are
            // all below too), and stop at the first entry at or past its end.
            long start = RunFile.Magic.Length;
            long end = recordsEnd;
            foreach (var (key, offset) in index)
            {
                if (lower is not null && key.AsSpan().SequenceCompareTo(lower) < 0)
                {
                    start = offset;
                }

                if (upper is not null && key.AsSpan().SequenceCompareTo(upper) >= 0)
                {
                    end = offset;
                    break;
                }
            }

            end = Math.Max(start, end);
            file.Position = start;
            return new RangeReader(file, new VarintReader(file, start, end, bufferBytes), lower, upper);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Moves to the next record in the range; false past its last.</summary>
    public bool MoveNext()
    {
        while (!_reader.AtEnd)
        {
            int length = checked((int)_reader.ReadVarint());
            var key = _reader.ReadBytes(length);
            if (_key.Length < length)
            {
                _key = new byte[Math.Max(length, _key.Length * 2)];
            }

            key.CopyTo(_key);
            _keyLength = length;
            Total = checked((long)_reader.ReadVarint());
            if (_lower is not null && Key.SequenceCompareTo(_lower) < 0)
            {
                continue;
            }

            if (_upper is not null && Key.SequenceCompareTo(_upper) >= 0)
            {
                return false;
            }

            return true;
        }

        return false;
    }

    public void Dispose() => _file.Dispose();
}
