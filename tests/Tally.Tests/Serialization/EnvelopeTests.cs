using Tally.Serialization;

namespace Tally.Tests.Serialization;

/// <summary>The envelope every Tally file format shares: magic, version, body, CRC-32.</summary>
public sealed class EnvelopeTests
{
    private static readonly Envelope s_envelope = new("TEST", 3, "Tally test file");

    private static byte[] Streamed(ReadOnlySpan<byte> body)
    {
        var stream = new MemoryStream();
        var writer = s_envelope.StartWriting(stream);
        writer.Write(body);
        writer.WriteVarint(300);
        writer.Finish();
        return stream.ToArray();
    }

    private static byte[] Header(ReadOnlySpan<byte> header, ReadOnlySpan<byte> after)
    {
        var stream = new MemoryStream();
        s_envelope.WriteHeader(stream, header);
        stream.Write(after);
        return stream.ToArray();
    }

    [Fact]
    public void Streamed_RoundTrips_AcrossChunks()
    {
        var body = new byte[200_000];
        new Random(7).NextBytes(body);

        var bytes = Streamed(body);

        Assert.Equal("TEST"u8.ToArray(), bytes[..4]);
        Assert.Equal(3, bytes[4]);
        Assert.Equal([.. body, 0xAC, 0x02], s_envelope.Open(bytes).ToArray());
    }

    [Fact]
    public void Streamed_RoundTrips_WhenTheBodyEndsWithAWriteLargerThanTheWritersBuffer()
    {
        // The last write goes to the stream directly, and the final flush has nothing: its empty
        // span once reset the checksum to 0.
        var body = new byte[200_000];
        new Random(8).NextBytes(body);
        var stream = new MemoryStream();
        var writer = s_envelope.StartWriting(stream);
        writer.Write("id"u8);
        writer.Write(body);
        writer.Finish();

        Assert.Equal([.. "id"u8, .. body], s_envelope.Open(stream.ToArray()).ToArray());
    }

    [Fact]
    public void Header_RoundTrips_WhenEmpty()
    {
        var stream = new MemoryStream(Header([], "after"u8));

        Assert.Empty(s_envelope.ReadHeader(stream, 1000).ToArray());
        Assert.Equal("after"u8.ToArray(), stream.ToArray()[(int)stream.Position..]);
    }

    [Fact]
    public void Header_RoundTrips_AndLeavesTheStreamAfterIt()
    {
        var stream = new MemoryStream(Header("the header"u8, "what follows"u8));

        var header = s_envelope.ReadHeader(stream, 1000);

        Assert.Equal("the header"u8.ToArray(), header.ToArray());
        Assert.Equal("what follows"u8.ToArray(), stream.ToArray()[(int)stream.Position..]);
    }

    [Fact]
    public void BadMagic_IsReported()
    {
        var bytes = Streamed("body"u8);
        bytes[0] = (byte)'X';
        var header = Header("h"u8, []);
        header[3] = (byte)'X';

        Assert.Equal("not a Tally test file (bad magic)", Assert.Throws<InvalidDataException>(() => { s_envelope.Open(bytes); }).Message);
        Assert.Equal("not a Tally test file (bad magic)", Assert.Throws<InvalidDataException>(() => s_envelope.ReadHeader(new MemoryStream(header), 1000)).Message);
        Assert.Equal("not a Tally test file (bad magic)", Assert.Throws<InvalidDataException>(() => { s_envelope.Open([]); }).Message);
        Assert.Equal("not a Tally test file (bad magic)", Assert.Throws<InvalidDataException>(() => s_envelope.ReadHeader(new MemoryStream("TES"u8.ToArray()), 1000)).Message);
    }

    [Fact]
    public void OtherVersion_IsReported()
    {
        var bytes = Streamed("body"u8);
        bytes[4] = 4;
        var header = Header("h"u8, []);
        header[4] = 2;

        Assert.Equal("Tally test file version 4 is not supported (expected 3)", Assert.Throws<InvalidDataException>(() => { s_envelope.Open(bytes); }).Message);
        Assert.Equal("Tally test file version 2 is not supported (expected 3)", Assert.Throws<InvalidDataException>(() => s_envelope.ReadHeader(new MemoryStream(header), 1000)).Message);
    }

    [Fact]
    public void AnyFlippedByteAfterThePrefix_IsAChecksumMismatch()
    {
        var bytes = Streamed("some body bytes"u8);
        var header = Header("some header bytes"u8, []);

        for (int i = Envelope.PrefixLength; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x04;
            Assert.Equal("Tally test file checksum mismatch", Assert.Throws<InvalidDataException>(() => { s_envelope.Open(damaged); }).Message);
        }

        // Byte 5 is the header's length: flipped, the header is cut short or ends early; the rest fail the checksum.
        for (int i = Envelope.PrefixLength + 1; i < header.Length; i++)
        {
            var damaged = (byte[])header.Clone();
            damaged[i] ^= 0x04;
            Assert.Equal("Tally test file header checksum mismatch", Assert.Throws<InvalidDataException>(() => s_envelope.ReadHeader(new MemoryStream(damaged), 1000)).Message);
        }
    }

    [Fact]
    public void CutShort_IsReported()
    {
        var bytes = Streamed("body"u8);
        var header = Header("some header bytes"u8, []);

        Assert.Equal("Tally test file is cut short", Assert.Throws<InvalidDataException>(() => { s_envelope.Open(bytes.AsSpan(0, 7)); }).Message);
        for (int cut = Envelope.PrefixLength; cut < header.Length; cut++)
        {
            var stream = new MemoryStream(header[..cut]);
            Assert.Equal("Tally test file header is cut short", Assert.Throws<InvalidDataException>(() => s_envelope.ReadHeader(stream, 1000)).Message);
        }
    }

    [Fact]
    public void HeaderLongerThanAllowed_IsOutOfRange()
    {
        var header = Header(new byte[300], []);

        Assert.Equal("Tally test file header length is out of range", Assert.Throws<InvalidDataException>(() => s_envelope.ReadHeader(new MemoryStream(header), 299)).Message);
    }
}
