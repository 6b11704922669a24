using System.Buffers;
using System.Buffers.Binary;
using Tally.Sources;

namespace Tally.Serialization;

/// <summary>
/// Streams an <see cref="Envelope"/>'s body: buffers writes in chunks of 64 KiB, keeps a running
/// CRC-32 and ends with it, so a body of any size is written in bounded memory.
/// </summary>
internal sealed class EnvelopeWriter
{
    private const int ChunkLength = 1 << 16;

    private readonly Stream _destination;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ChunkLength);
    private int _used;
    private uint _crc;

    internal EnvelopeWriter(Stream destination, ReadOnlySpan<byte> magic, byte version)
    {
        _destination = destination;
        Write(magic);
        Write([version]);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (_buffer.Length - _used < data.Length)
        {
            Flush();
            if (_buffer.Length < data.Length)
            {
                _crc = ZlibNative.Crc32(_crc, data);
                _destination.Write(data);
                return;
            }
        }

        data.CopyTo(_buffer.AsSpan(_used));
        _used += data.Length;
    }

    /// <summary>A number in the <see cref="WireCodec"/> varint encoding.</summary>
    public void WriteVarint(ulong value)
    {
        if (_buffer.Length - _used < WireCodec.MaxVarintLength)
        {
            Flush();
        }

        _used += WireCodec.WriteVarint(_buffer.AsSpan(_used), value);
    }

    /// <summary>Writes what is buffered and the checksum; the writer is spent.</summary>
    public void Finish()
    {
        Flush();
        Span<byte> trailer = stackalloc byte[Envelope.ChecksumLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc);
        _destination.Write(trailer);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Flush()
    {
        _crc = ZlibNative.Crc32(_crc, _buffer.AsSpan(0, _used));
        _destination.Write(_buffer, 0, _used);
        _used = 0;
    }
}
