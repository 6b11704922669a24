using System.Buffers.Binary;
using System.Text;
using Tally.Sources;

namespace Tally.Serialization;

/// <summary>
/// The frame of every Tally file format: 4 magic bytes, a version byte, the body, and the CRC-32 of
/// everything before it (4 bytes, little endian), so a damaged or foreign file is detected, never trusted.
/// </summary>
/// <remarks>
/// Two shapes share it. A streamed body (<see cref="StartWriting"/>, <see cref="Open"/>) runs to the
/// checksum at the end of the data: the table format. A header record (<see cref="WriteHeader"/>,
/// <see cref="ReadHeader"/>) has its length (varint) after the version, so it can be read from the
/// front of a stream and checked alone, leaving the stream at what follows: the checkpoint's header.
/// Every reader reports "not a … (bad magic)", "version N is not supported", "cut short" and
/// "checksum mismatch" as an <see cref="InvalidDataException"/>.
/// </remarks>
internal sealed class Envelope
{
    /// <summary>Magic and version.</summary>
    public const int PrefixLength = 5;

    public const int ChecksumLength = 4;

    private readonly byte[] _magic;

    /// <param name="magic">Four ASCII characters.</param>
    /// <param name="version">The layout's version; bump it whenever the bytes change.</param>
    /// <param name="name">What the data is called in messages ("Tally table").</param>
    public Envelope(string magic, byte version, string name)
    {
        _magic = Encoding.ASCII.GetBytes(magic);
        ArgumentOutOfRangeException.ThrowIfNotEqual(_magic.Length, 4, nameof(magic));
        Version = version;
        Name = name;
    }

    public byte Version { get; }

    public string Name { get; }

    /// <summary>Writes the magic and version; the caller streams the body, then calls <see cref="EnvelopeWriter.Finish"/>.</summary>
    public EnvelopeWriter StartWriting(Stream destination) => new(destination, _magic, Version);

    /// <summary>Checks all of <paramref name="data"/> as written by <see cref="StartWriting"/>; returns the body.</summary>
    /// <exception cref="InvalidDataException">Bad magic, another version, cut short, or a checksum mismatch.</exception>
    public ReadOnlySpan<byte> Open(ReadOnlySpan<byte> data)
    {
        CheckPrefix(data);
        if (data.Length < PrefixLength + ChecksumLength)
        {
            throw WireCodec.CutShort(Name);
        }

        var covered = data[..^ChecksumLength];
        if (ZlibNative.Crc32(0, covered) != BinaryPrimitives.ReadUInt32LittleEndian(data[^ChecksumLength..]))
        {
            throw new InvalidDataException($"{Name} checksum mismatch");
        }

        return covered[PrefixLength..];
    }

    /// <summary>Writes a header record: magic, version, the header's length (varint), the header, the checksum.</summary>
    public void WriteHeader(Stream destination, ReadOnlySpan<byte> header)
    {
        var writer = StartWriting(destination);
        writer.WriteVarint((ulong)header.Length);
        writer.Write(header);
        writer.Finish();
    }

    /// <summary>Reads and checks a header record, leaving <paramref name="source"/> just after it.</summary>
    /// <param name="source">The stream, at the record.</param>
    /// <param name="maxLength">The longest header that can be data rather than damage.</param>
    /// <exception cref="InvalidDataException">Bad magic, another version, a length out of range, cut short, or a checksum mismatch.</exception>
    public ReadOnlyMemory<byte> ReadHeader(Stream source, int maxLength)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength + WireCodec.MaxVarintLength];
        int used = source.ReadAtLeast(prefix[..PrefixLength], PrefixLength, throwOnEndOfStream: false);
        CheckPrefix(prefix[..used]);
        string subject = $"{Name} header";
        do
        {
            int b = source.ReadByte();
            prefix[used++] = b >= 0 ? (byte)b : throw WireCodec.CutShort(subject);
        }
        while (prefix[used - 1] >= 0x80 && used < prefix.Length);

        int position = PrefixLength;
        ulong length = WireCodec.ReadVarint(prefix[..used], ref position, subject);
        if (length > (ulong)maxLength)
        {
            throw new InvalidDataException($"{subject} length is out of range");
        }

        var header = new byte[(int)length + ChecksumLength];
        if (source.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw WireCodec.CutShort(subject);
        }

        uint crc = ZlibNative.Crc32(ZlibNative.Crc32(0, prefix[..used]), header.AsSpan(0, (int)length));
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan((int)length)))
        {
            throw new InvalidDataException($"{subject} checksum mismatch");
        }

        return header.AsMemory(0, (int)length);
    }

    /// <summary>Checks the magic and version at the start of <paramref name="data"/>.</summary>
    public void CheckPrefix(ReadOnlySpan<byte> data)
    {
        if (data.Length < PrefixLength || !data.StartsWith(_magic))
        {
            throw new InvalidDataException($"not a {Name} (bad magic)");
        }

        if (data[4] != Version)
        {
            throw new InvalidDataException($"{Name} version {data[4]} is not supported (expected {Version})");
        }
    }
}
