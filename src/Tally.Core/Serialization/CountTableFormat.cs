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
/// Layout: <c>"TLYT"</c>, version byte (1), entry count (varint); per entry the key length (varint),
/// the key's bytes and the total (varint); then the CRC-32 of everything before it (4 bytes, little endian).
/// </remarks>
public static class CountTableFormat
{
    private const byte Version = 1;
    private static ReadOnlySpan<byte> Magic => "TLYT"u8;

    /// <summary>Writes <paramref name="table"/> to <paramref name="destination"/>.</summary>
    public static void Write(CountTable table, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(destination);
        var writer = new ChecksummedWriter(destination);
        Span<byte> header = stackalloc byte[5 + 10];
        Magic.CopyTo(header);
        header[4] = Version;
        int used = 5 + WriteVarint(header.Slice(5), (ulong)table.Count);
        writer.Write(header.Slice(0, used));
        var state = writer;
        table.ForEach(ref state, static (ref ChecksummedWriter w, ReadOnlySpan<byte> key, long total) =>
        {
            Span<byte> number = stackalloc byte[10];
            w.Write(number.Slice(0, WriteVarint(number, (ulong)key.Length)));
            w.Write(key);
            w.Write(number.Slice(0, WriteVarint(number, (ulong)total)));
        });
        state.Finish();
    }

    /// <summary>Reads a table written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a table, is of another version, is cut short, or fails its checksum.</exception>
    public static CountTable Read(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var buffer = new MemoryStream();
        source.CopyTo(buffer);
        return Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads a table from bytes written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="Read(Stream)"/>.</exception>
    public static CountTable Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 9 || !data.StartsWith(Magic))
        {
            throw new InvalidDataException("not a Tally table (bad magic)");
        }

        if (data[4] != Version)
        {
            throw new InvalidDataException($"Tally table version {data[4]} is not supported (expected {Version})");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(data.Length - 4));
        var body = data.Slice(0, data.Length - 4);
        if (ZlibNative.Crc32(0, body) != stored)
        {
            throw new InvalidDataException("Tally table checksum mismatch");
        }

        int pos = 5;
        ulong count = ReadVarint(body, ref pos);
        if (count > int.MaxValue)
        {
            throw new InvalidDataException("Tally table entry count is out of range");
        }

        var table = new CountTable((int)Math.Min(count, 1 << 24));
        for (ulong i = 0; i < count; i++)
        {
            ulong length = ReadVarint(body, ref pos);
            if (length > (ulong)(body.Length - pos))
            {
                throw new InvalidDataException("Tally table entry is cut short");
            }

            var key = body.Slice(pos, (int)length);
            pos += (int)length;
            ulong total = ReadVarint(body, ref pos);
            if (total > long.MaxValue)
            {
                throw new InvalidDataException("Tally table total is out of range");
            }

            table.Add(key, (long)total);
        }

        if (pos != body.Length)
        {
            throw new InvalidDataException("Tally table has trailing bytes");
        }

        return table;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
            {
                throw new InvalidDataException("Tally table is cut short");
            }

            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("Tally table holds a malformed number");
    }

    /// <summary>Buffers writes and keeps a running CRC-32.</summary>
    private struct ChecksummedWriter(Stream destination)
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        private int _used;
        private uint _crc;

        public void Write(ReadOnlySpan<byte> data)
        {
            if (_buffer.Length - _used < data.Length)
            {
                Flush();
                if (_buffer.Length < data.Length)
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = ArrayPool<byte>.Shared.Rent(data.Length);
                }
            }

            data.CopyTo(_buffer.AsSpan(_used));
            _used += data.Length;
        }

        public void Finish()
        {
            Flush();
            Span<byte> trailer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc);
            destination.Write(trailer);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        private void Flush()
        {
            _crc = ZlibNative.Crc32(_crc, _buffer.AsSpan(0, _used));
            destination.Write(_buffer, 0, _used);
            _used = 0;
        }
    }
}
