using System.Buffers.Binary;
using Tally.Aggregation;
using Tally.Serialization;

namespace Tally.Cluster.Reduce;

/// <summary>
/// A map task's table on shared storage, sorted by key: what <c>--reduce-on-nodes</c> writes
/// instead of sending the table to the coordinator, and what each reducer reads its range of.
/// </summary>
/// <remarks>
/// <para>
/// Layout: <c>"TLYRUN1\n"</c>; then one record per key in ordinal byte order (the order of a
/// local <c>-o</c>): key length (varint), key bytes, total (varint); then a sparse index, one entry
/// at the first record and then at the first record past every <see cref="IndexStrideBytes"/>:
/// key length (varint), key, the record's offset (varint); then a footer: the index's offset (8
/// bytes), its entry count (4), the record count (8), all little endian, and the magic again.
/// </para>
/// <para>
/// The index lets a reducer seek to its range instead of reading every run from the start: it
/// reads at most one stride before its first key and stops at the first index entry past its last.
/// A reducer that finds a cut or foreign file fails (<see cref="InvalidDataException"/>); the file
/// was written through <see cref="Output.AtomicFile"/>, so a whole one is never cut.
/// </para>
/// </remarks>
internal static class RunFile
{
    /// <summary>Bytes of records between two index entries: a reducer reads at most this much outside its range per run and end.</summary>
    public const int IndexStrideBytes = 64 << 10;

    private const int FooterBytes = 8 + 4 + 8 + 8;

    public static ReadOnlySpan<byte> Magic => "TLYRUN1\n"u8;

    /// <summary>Writes <paramref name="table"/> sorted to <paramref name="path"/> (whole or not at all) and returns its key count, its records' bytes and a sample of <paramref name="sampleSize"/> keys evenly spaced by those bytes.</summary>
    /// <param name="table">The source's table.</param>
    /// <param name="path">The run's file.</param>
    /// <param name="sampleSize">Keys to sample.</param>
    /// <param name="cancellationToken">Stops the write; nothing is left at the path.</param>
    /// <param name="indexStride">Bytes of records between index entries (tests make it tiny, so that every seek path is taken).</param>
    /// <param name="written">Told the bytes written so far, every 65,536 records: the task's progress while it writes (the coordinator gives up on a task whose work stands still).</param>
    public static async Task<RunSummary> WriteAsync(CountTable table, string path, int sampleSize, CancellationToken cancellationToken, int indexStride = IndexStrideBytes, Action<long>? written = null)
    {
        // The core's sort (by the keys' first eight bytes as integers, then whole keys only where
        // those tie), on this thread: a node runs one such sort per busy slot, so more threads
        // would only take cores from the other slots. It reads the table's own arena and adds an
        // entry array beside it. A comparer over key slices took 0.5-1.5 s on a table of one
        // million keys, most of a map task's time past its count.
        var sorted = Output.Sorting.SortedTotals.ForThreads(table, threads: 1);
        byte[] keys = sorted.Keys;
        var ranked = sorted.Ranked;
        int n = ranked.Length;

        // The sample is spaced evenly by the bytes of the records, not by rank: each sampled key
        // stands for the same bytes of run, so ranges cut at the samples' weighted quantiles give
        // every reducer about the same bytes to read and, in a text format, to write. Keys are not
        // the same length across the key space (nor totals the same size), and by rank the parts of
        // the six large files came out 55.3 and 58.2 MB. A record spanning several spacings is
        // sampled once for each, so the sample always has sampleSize keys (n at most).
        long recordBytes = 0;
        foreach (var entry in ranked)
        {
            recordBytes += VarintWriter.RecordLength(entry.KeyLength, (ulong)entry.Total);
        }

        var sample = new List<byte[]>();
        int take = Math.Min(n, Math.Max(0, sampleSize));
        await Output.AtomicFile.WriteAsync(path, async stream =>
        {
            var writer = new VarintWriter(stream);
            writer.Write(Magic);
            var index = new List<(TableEntry Entry, long Offset)>();
            long nextIndex = 0;
            long nextSample = take == 0 ? long.MaxValue : 0;
            for (int i = 0; i < n; i++)
            {
                var entry = ranked[i];
                if (writer.Position >= nextIndex)
                {
                    index.Add((entry, writer.Position));
                    nextIndex = writer.Position + indexStride;
                }

                var key = keys.AsSpan(entry.KeyOffset, entry.KeyLength);
                writer.WriteRecord(key, (ulong)entry.Total);

                // After the last sample nextSample is recordBytes, which no record's end passes.
                long recordEnd = writer.Position - Magic.Length;
                if (nextSample < recordEnd)
                {
                    byte[] copy = key.ToArray();
                    do
                    {
                        sample.Add(copy);
                        nextSample = sample.Count * recordBytes / take;
                    }
                    while (nextSample < recordEnd);
                }

                if ((i & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    written?.Invoke(writer.Position);
                }
            }

            long indexOffset = writer.Position;
            foreach (var (entry, offset) in index)
            {
                writer.WriteRecord(keys.AsSpan(entry.KeyOffset, entry.KeyLength), (ulong)offset);
            }

            Span<byte> footer = stackalloc byte[FooterBytes];
            BinaryPrimitives.WriteInt64LittleEndian(footer, indexOffset);
            BinaryPrimitives.WriteInt32LittleEndian(footer[8..], index.Count);
            BinaryPrimitives.WriteInt64LittleEndian(footer[12..], n);
            Magic.CopyTo(footer[20..]);
            writer.Write(footer);
            writer.Flush();
        }, cancellationToken).ConfigureAwait(false);

        return new RunSummary(n, recordBytes, sample);
    }

    /// <summary>The index of a run: its entries' keys and offsets, where the records end, and the record count.</summary>
    public static (List<(byte[] Key, long Offset)> Index, long RecordsEnd, long Records) ReadIndex(FileStream file)
    {
        Span<byte> footer = stackalloc byte[FooterBytes];
        if (file.Length < Magic.Length + FooterBytes)
        {
            throw new InvalidDataException($"{file.Name}: not a Tally run (too short)");
        }

        file.Position = file.Length - FooterBytes;
        file.ReadExactly(footer);
        if (!footer[20..].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{file.Name}: not a Tally run (no footer)");
        }

        long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(footer);
        int entries = BinaryPrimitives.ReadInt32LittleEndian(footer[8..]);
        long records = BinaryPrimitives.ReadInt64LittleEndian(footer[12..]);
        if (indexOffset < Magic.Length || indexOffset > file.Length - FooterBytes || entries < 0)
        {
            throw new InvalidDataException($"{file.Name}: not a Tally run (bad footer)");
        }

        file.Position = indexOffset;
        var reader = new VarintReader(file, indexOffset, file.Length - FooterBytes, 1 << 12);
        var index = new List<(byte[] Key, long Offset)>(entries);
        for (int i = 0; i < entries; i++)
        {
            var key = reader.ReadBytes(checked((int)reader.ReadVarint())).ToArray();
            index.Add((key, (long)reader.ReadVarint()));
        }

        return (index, indexOffset, records);
    }
}

/// <summary>What a map task tells the coordinator of its run: the keys it holds, its records' bytes, and a sample of the keys for the splitters, evenly spaced by those bytes.</summary>
internal sealed record RunSummary(long Keys, long Bytes, IReadOnlyList<byte[]> Sample)
{
    /// <summary>The summary as bytes for the task's last report.</summary>
    public byte[] Encode()
    {
        using var stream = new MemoryStream();
        var writer = new VarintWriter(stream);
        writer.WriteVarint((ulong)Keys);
        writer.WriteVarint((ulong)Bytes);
        writer.WriteVarint((ulong)Sample.Count);
        foreach (var key in Sample)
        {
            writer.WriteVarint((ulong)key.Length);
            writer.Write(key);
        }

        writer.Flush();
        return stream.ToArray();
    }

    public static RunSummary Decode(byte[] data)
    {
        using var stream = new MemoryStream(data, writable: false);
        var reader = new VarintReader(stream, 0, data.Length, 1 << 12);
        long keys = (long)reader.ReadVarint();
        long bytes = (long)reader.ReadVarint();
        int count = checked((int)reader.ReadVarint());
        var sample = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            sample.Add(reader.ReadBytes(checked((int)reader.ReadVarint())).ToArray());
        }

        return new RunSummary(keys, bytes, sample);
    }
}

/// <summary>Writes bytes and LEB128 varints to a stream through a buffer of its own, counting its position.</summary>
/// <remarks>
/// A run's records are written straight into the buffer: through a <see cref="BufferedStream"/>,
/// three stream calls a record made writing a run of a million keys take about 180 ms.
/// Call <see cref="Flush"/> at the end; the stream is not closed.
/// </remarks>
internal sealed class VarintWriter(Stream stream, int bufferBytes = 1 << 16)
{
    private readonly byte[] _buffer = new byte[Math.Max(bufferBytes, 2 * WireCodec.MaxVarintLength)];
    private int _used;

    /// <summary>Bytes written so far, the buffered ones included.</summary>
    public long Position { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (!Reserve(bytes.Length))
        {
            stream.Write(bytes);
            Position += bytes.Length;
            return;
        }

        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
        Position += bytes.Length;
    }

    public void WriteVarint(ulong value)
    {
        Reserve(WireCodec.MaxVarintLength);
        int written = WireCodec.WriteVarint(_buffer.AsSpan(_used), value);
        _used += written;
        Position += written;
    }

    /// <summary>The bytes <see cref="WriteRecord"/> writes for a key of <paramref name="keyLength"/> bytes and <paramref name="value"/>.</summary>
    public static long RecordLength(int keyLength, ulong value) => WireCodec.VarintLength((ulong)keyLength) + keyLength + WireCodec.VarintLength(value);

    /// <summary>A key's length (varint), the key, and <paramref name="value"/> (varint): one record of a run or its index.</summary>
    public void WriteRecord(ReadOnlySpan<byte> key, ulong value)
    {
        if (!Reserve(key.Length + (2 * WireCodec.MaxVarintLength)))
        {
            // A key longer than the buffer (lines may be megabytes long): piece by piece.
            WriteVarint((ulong)key.Length);
            Write(key);
            WriteVarint(value);
            return;
        }

        var free = _buffer.AsSpan(_used);
        int written = WireCodec.WriteVarint(free, (ulong)key.Length);
        key.CopyTo(free[written..]);
        written += key.Length;
        written += WireCodec.WriteVarint(free[written..], value);
        _used += written;
        Position += written;
    }

    /// <summary>Flushes the buffer unless <paramref name="bytes"/> more fit in it; false when they could not fit even in an empty one.</summary>
    private bool Reserve(int bytes)
    {
        if (bytes > _buffer.Length - _used)
        {
            Flush();
        }

        return bytes <= _buffer.Length;
    }

    /// <summary>Writes the buffered bytes to the stream.</summary>
    public void Flush()
    {
        stream.Write(_buffer, 0, _used);
        _used = 0;
    }
}

/// <summary>Reads bytes and varints from a stream between two offsets, through one buffer of its own.</summary>
internal sealed class VarintReader
{
    private const string Subject = "a Tally run";

    private readonly Stream _stream;
    private readonly long _end;
    private byte[] _buffer;
    private int _start;
    private int _length;
    private long _bufferOffset;

    /// <param name="stream">Positioned at <paramref name="start"/>.</param>
    /// <param name="start">The first offset to read.</param>
    /// <param name="end">The offset past the last byte to read.</param>
    /// <param name="bufferBytes">The buffer's size (it grows for a longer key).</param>
    public VarintReader(Stream stream, long start, long end, int bufferBytes)
    {
        _stream = stream;
        _end = end;
        _buffer = new byte[bufferBytes];
        _bufferOffset = start;
    }

    /// <summary>The offset of the next byte to read.</summary>
    public long Position => _bufferOffset + _start;

    public bool AtEnd => Position >= _end;

    public ulong ReadVarint()
    {
        // Decoded in the buffer when a whole varint's bytes are there (nearly always); otherwise
        // the buffer is filled with as many as the range still holds. One decoder either way, so
        // a malformed number fails the same wherever it falls.
        int buffered = _length - _start;
        if (buffered < WireCodec.MaxVarintLength)
        {
            int want = (int)Math.Min(WireCodec.MaxVarintLength, _end - Position);
            if (want <= 0)
            {
                throw WireCodec.CutShort(Subject);
            }

            if (buffered < want)
            {
                Fill(want);
            }

            buffered = want;
        }

        int position = 0;
        ulong value = WireCodec.ReadVarint(_buffer.AsSpan(_start, buffered), ref position, Subject);
        _start += position;
        return value;
    }

    /// <summary>The next <paramref name="count"/> bytes, valid until the next read.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (_length - _start < count)
        {
            Fill(count);
        }

        var bytes = _buffer.AsSpan(_start, count);
        _start += count;
        return bytes;
    }

    private void Fill(int count)
    {
        int kept = _length - _start;
        if (_buffer.Length < count)
        {
            var larger = new byte[Math.Max(count, _buffer.Length * 2)];
            _buffer.AsSpan(_start, kept).CopyTo(larger);
            _buffer = larger;
        }
        else
        {
            _buffer.AsSpan(_start, kept).CopyTo(_buffer);
        }

        _bufferOffset += _start;
        _start = 0;
        _length = kept;
        while (_length < count)
        {
            long left = _end - (_bufferOffset + _length);
            int want = (int)Math.Min(_buffer.Length - _length, left);
            int read = want <= 0 ? 0 : _stream.Read(_buffer, _length, want);
            if (read == 0)
            {
                throw WireCodec.CutShort(Subject);
            }

            _length += read;
        }
    }
}
