namespace Tally.Serialization;

/// <summary>
/// Reads the fields of a payload in order, with the <see cref="WireCodec"/> encodings; any
/// shortfall, excess or malformed number is an <see cref="InvalidDataException"/> naming <c>subject</c>.
/// </summary>
/// <param name="payload">The bytes to read.</param>
/// <param name="subject">What they are, for messages: "Tally table" gives "Tally table is cut short".</param>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload, string subject)
{
    private readonly ReadOnlySpan<byte> _data = payload;
    private int _pos;

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _pos;

    public byte Byte()
    {
        if (_pos >= _data.Length)
        {
            throw WireCodec.CutShort(subject);
        }

        return _data[_pos++];
    }

    /// <summary>A byte written by <see cref="PayloadWriter.Boolean"/>: anything but 0 is true.</summary>
    public bool Boolean() => Byte() != 0;

    /// <summary>A varint of any 64-bit value.</summary>
    public ulong UInt64() => WireCodec.ReadVarint(_data, ref _pos, subject);

    /// <summary>A varint that must fit a non-negative <see cref="long"/>, as <see cref="PayloadWriter.Varint"/> writes.</summary>
    public long Varint()
    {
        ulong value = UInt64();
        return value <= long.MaxValue ? (long)value : throw OutOfRange();
    }

    /// <summary>A varint that must fit a non-negative <see cref="int"/>.</summary>
    public int Int32()
    {
        ulong value = UInt64();
        return value <= int.MaxValue ? (int)value : throw OutOfRange();
    }

    public string String() => WireCodec.ReadString(_data, ref _pos, subject);

    public ReadOnlySpan<byte> Bytes(int count)
    {
        if ((uint)count > (uint)(_data.Length - _pos))
        {
            throw WireCodec.CutShort(subject);
        }

        var bytes = _data.Slice(_pos, count);
        _pos += count;
        return bytes;
    }

    public ReadOnlySpan<byte> Rest()
    {
        var rest = _data[_pos..];
        _pos = _data.Length;
        return rest;
    }

    /// <summary>Checks that every byte was read: a longer payload is another version's.</summary>
    public readonly void End()
    {
        if (_pos != _data.Length)
        {
            throw new InvalidDataException($"{subject} has trailing bytes");
        }
    }

    private readonly InvalidDataException OutOfRange() => new($"{subject} holds a number out of range");
}
