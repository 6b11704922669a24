using System.Text;

namespace Tally.Serialization;

/// <summary>
/// Builds a payload field by field in a reused, growable buffer, with the <see cref="WireCodec"/>
/// encodings; <see cref="PayloadReader"/> reads the fields back in the same order.
/// </summary>
internal class PayloadWriter(int capacity = 256)
{
    private byte[] _buffer = new byte[Math.Max(capacity, 16)];
    private int _length;

    /// <summary>Bytes written since the last <see cref="Clear"/>.</summary>
    public int Length => _length;

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public PayloadWriter Clear()
    {
        _length = 0;
        return this;
    }

    public PayloadWriter Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
        return this;
    }

    /// <summary>A byte: 1 for true, 0 for false.</summary>
    public PayloadWriter Boolean(bool value) => Byte(value ? (byte)1 : (byte)0);

    /// <summary>A non-negative number as a varint.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public PayloadWriter Varint(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Ensure(WireCodec.MaxVarintLength);
        _length += WireCodec.WriteVarint(_buffer.AsSpan(_length), (ulong)value);
        return this;
    }

    /// <summary>A string: its UTF-8 byte length (varint) and bytes.</summary>
    public PayloadWriter String(string value)
    {
        Ensure(WireCodec.MaxVarintLength + WireCodec.StringByteCount(value));
        _length += WireCodec.WriteString(_buffer.AsSpan(_length), value);
        return this;
    }

    /// <summary>Bytes as they are, with no length: the reader must know it (or take the rest).</summary>
    public PayloadWriter Bytes(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
        return this;
    }

    /// <summary>Everything written since the last <see cref="Clear"/>; valid until the next write.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        Seal(_buffer.AsSpan(0, _length));
        return _buffer.AsMemory(0, _length);
    }

    /// <summary>Completes the written bytes before <see cref="Finish"/> hands them out (a frame fills in its length).</summary>
    protected virtual void Seal(Span<byte> written)
    {
    }

    private void Ensure(int more)
    {
        if (_buffer.Length - _length < more)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}
