using System.Buffers;
using System.Buffers.Binary;
using Tally.Aggregation;
using Tally.Sources;

namespace Tally.Serialization;

/// <summary>
/// The binary form of a <see cref="CountTable"/>: what checkpoints store and what worker processes
/// send back. Compact (varints) and checksummed, so a damaged file is detected, never trusted.
/// </summary>
/// <remarks>
/// Layout, in the shared envelope: <c>"TLYT"</c>, version byte (1), entry count (varint); per entry
/// the key length (varint), the key's bytes and the total (varint); then the CRC-32 of everything
/// before it (4 bytes, little endian). Written as it streams, in bounded memory.
/// The keys are distinct, as in the table written: the readers append them without looking them
/// up, and the table builds its index only if it is ever looked up (<see cref="CountTable.Unindexed"/>).
/// </remarks>
public static class CountTableCodec
{
    private const string Subject = "Tally table";

    private static readonly Envelope s_envelope = new("TLYT", 1, Subject);

    /// <summary>Writes <paramref name="table"/> to <paramref name="destination"/>.</summary>
    public static void Write(CountTable table, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(destination);
        var writer = s_envelope.StartWriting(destination);
        writer.WriteVarint((ulong)table.Count);
        table.ForEach(ref writer, static (ref EnvelopeWriter w, ReadOnlySpan<byte> key, long total) =>
        {
            w.WriteVarint((ulong)key.Length);
            w.Write(key);
            w.WriteVarint((ulong)total);
        });
        writer.Finish();
    }

    /// <summary>Reads a table written by <see cref="Write"/>, decoding it as it arrives.</summary>
    /// <exception cref="InvalidDataException">The data is not a table, is of another version, is cut short, or fails its checksum.</exception>
    /// <remarks>
    /// Never holds the encoded table whole: a window of 64 kB (more only for a longer key) slides
    /// over it. A node's table reaches the coordinator this way; buffering it first cost a copy of
    /// every byte, and memory for all of them beside the decoded table. The checksum is computed on
    /// the way and checked before the table is returned, so no caller ever gets a table decoded
    /// from damaged bytes.
    /// </remarks>
    public static CountTable Read(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var input = new SlidingInput(source);
        s_envelope.CheckPrefix(input.Peek(Envelope.PrefixLength));
        input.Advance(Envelope.PrefixLength);
        ulong count = input.Varint(ulong.MaxValue);
        if (count > int.MaxValue)
        {
            throw new InvalidDataException("Tally table entry count is out of range");
        }

        var table = CountTable.Unindexed((int)Math.Min(count, 1 << 24));
        for (ulong i = 0; i < count; i++)
        {
            // No key is longer than the longest line allowed: a larger length is damage, and is
            // refused before a window that large is allocated (the checksum comes only at the end).
            int length = (int)input.Varint(TallyDefaults.MaxLineLengthCeiling);

            // The key and its total in one window, so the key's bytes stay put while the total is read.
            var entry = input.Peek(length + WireCodec.MaxVarintLength);
            if (entry.Length <= length)
            {
                throw WireCodec.CutShort(Subject);
            }

            int position = length;
            ulong total = WireCodec.ReadVarint(entry, ref position, Subject);
            var key = entry[..length];
            table.AppendUnique(key, KeyHash.Compute(key), total <= long.MaxValue ? (long)total : throw OutOfRange());
            input.Advance(position);
        }

        uint crc = input.ChecksumOfConsumed();
        var rest = input.Peek(Envelope.ChecksumLength + 1);
        if (rest.Length < Envelope.ChecksumLength)
        {
            throw WireCodec.CutShort(Subject);
        }

        if (rest.Length > Envelope.ChecksumLength || crc != BinaryPrimitives.ReadUInt32LittleEndian(rest))
        {
            // Bytes past the checksum fail it too, as Read(span), which takes the last four bytes, does.
            throw new InvalidDataException($"{Subject} checksum mismatch");
        }

        return table;
    }

    /// <summary>Reads a table from bytes written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="Read(Stream)"/>.</exception>
    /// <remarks>The same decoder as <see cref="Read(Stream)"/>, over the bytes in place (pinned, not copied).</remarks>
    public static unsafe CountTable Read(ReadOnlySpan<byte> data)
    {
        // An empty span pins to a null pointer, which a stream refuses: it is no table either way.
        s_envelope.CheckPrefix(data);
        fixed (byte* start = data)
        {
            using var stream = new UnmanagedMemoryStream(start, data.Length);
            return Read(stream);
        }
    }

    private static InvalidDataException OutOfRange() => new($"{Subject} holds a number out of range");

    /// <summary>A window that slides over a stream, with the CRC-32 of every byte it has passed.</summary>
    private sealed class SlidingInput(Stream source) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        private int _start;
        private int _end;
        private bool _ended;

        /// <summary>The CRC-32 of the bytes slid out of the window; those before <see cref="_start"/> are added when the window slides.</summary>
        private uint _crc;

        /// <summary>At least <paramref name="count"/> bytes from the current position, fewer only at the end of the stream.</summary>
        public ReadOnlySpan<byte> Peek(int count)
        {
            if (_end - _start < count)
            {
                Fill(count);
            }

            return _buffer.AsSpan(_start, _end - _start);
        }

        public void Advance(int count) => _start += count;

        /// <summary>A varint of at most <paramref name="max"/>.</summary>
        public ulong Varint(ulong max)
        {
            var window = Peek(WireCodec.MaxVarintLength);
            int position = 0;
            ulong value = WireCodec.ReadVarint(window, ref position, Subject);
            _start += position;
            return value <= max ? value : throw OutOfRange();
        }

        /// <summary>The CRC-32 of every byte before the current position; slides the window to it.</summary>
        public uint ChecksumOfConsumed()
        {
            _crc = ZlibNative.Crc32(_crc, _buffer.AsSpan(0, _start));
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
            return _crc;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        private void Fill(int count)
        {
            ChecksumOfConsumed();
            if (count > _buffer.Length)
            {
                // A key longer than the window (keys run up to the line limit): a larger one.
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(count, _buffer.Length * 2));
                _buffer.AsSpan(0, _end).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            while (_end < count && !_ended)
            {
                int read = source.Read(_buffer, _end, _buffer.Length - _end);
                _ended = read == 0;
                _end += read;
            }
        }
    }
}
