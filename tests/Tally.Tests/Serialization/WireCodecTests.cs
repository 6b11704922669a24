using Tally.Serialization;

namespace Tally.Tests.Serialization;

/// <summary>The one varint and string codec every Tally format uses.</summary>
public sealed class WireCodecTests
{
    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(127UL, 1)]
    [InlineData(128UL, 2)]
    [InlineData(16_383UL, 2)]
    [InlineData(16_384UL, 3)]
    [InlineData((ulong)long.MaxValue, 9)]
    [InlineData(ulong.MaxValue, 10)]
    public void Varint_RoundTrips_InTheShortestForm(ulong value, int length)
    {
        var buffer = new byte[WireCodec.MaxVarintLength + 1];

        int written = WireCodec.WriteVarint(buffer, value);
        int position = 0;
        ulong read = WireCodec.ReadVarint(buffer.AsSpan(0, written), ref position, "test data");

        Assert.Equal(length, written);
        Assert.Equal(value, read);
        Assert.Equal(written, position);
    }

    [Fact]
    public void Varint_ReadsFromThePositionAndMovesPastIt()
    {
        byte[] data = [0xFF, 0x80, 0x01, 0x05];
        int position = 1;

        Assert.Equal(128UL, WireCodec.ReadVarint(data, ref position, "test data"));
        Assert.Equal(3, position);
        Assert.Equal(5UL, WireCodec.ReadVarint(data, ref position, "test data"));
        Assert.Equal(4, position);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]
    public void Varint_Truncated_IsCutShort(byte[] data)
    {
        int position = 0;

        var e = Assert.Throws<InvalidDataException>(() => WireCodec.ReadVarint(data, ref position, "test data"));

        Assert.Equal("test data is cut short", e.Message);
    }

    public static TheoryData<byte[]> OverLong => new()
    {
        // Eleven bytes: more than any ulong needs.
        { [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00] },

        // Ten bytes whose last holds more than bit 63.
        { [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02] },

        // A redundant zero byte: 1 written in two bytes, 0 in two.
        { [0x81, 0x00] },
        { [0x80, 0x00] },
    };

    [Theory]
    [MemberData(nameof(OverLong))]
    public void Varint_OverLong_IsMalformed(byte[] data)
    {
        int position = 0;

        var e = Assert.Throws<InvalidDataException>(() => WireCodec.ReadVarint(data, ref position, "test data"));

        Assert.StartsWith("test data holds a malformed number", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, position);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ngram-v2")]
    [InlineData("Zürich, 東京, emoji 🦡")]
    public void String_RoundTrips_AsUtf8WithItsByteLength(string value)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(value);
        var buffer = new byte[WireCodec.MaxVarintLength + bytes];

        int written = WireCodec.WriteString(buffer, value);
        int position = 0;
        string read = WireCodec.ReadString(buffer.AsSpan(0, written), ref position, "test data");

        Assert.Equal(value, read);
        Assert.Equal(written, position);
        position = 0;
        Assert.Equal((ulong)bytes, WireCodec.ReadVarint(buffer, ref position, "test data"));
    }

    [Fact]
    public void String_CutInsideItsBytes_IsCutShort()
    {
        var buffer = new byte[32];
        int written = WireCodec.WriteString(buffer, "Zürich");
        int position = 0;

        var e = Assert.Throws<InvalidDataException>(() => WireCodec.ReadString(buffer.AsSpan(0, written - 1), ref position, "test data"));

        Assert.Equal("test data is cut short", e.Message);
    }

    [Fact]
    public void PayloadWriterAndReader_RoundTripEveryField()
    {
        var payload = new PayloadWriter(4)
            .Byte(7).Boolean(true).Varint(long.MaxValue).String("Ärger").Varint(3).Bytes([1, 2, 3]).Finish();
        var reader = new PayloadReader(payload.Span, "test data");

        Assert.Equal(7, reader.Byte());
        Assert.True(reader.Boolean());
        Assert.Equal(long.MaxValue, reader.Varint());
        Assert.Equal("Ärger", reader.String());
        Assert.Equal([1, 2, 3], reader.Bytes(reader.Int32()).ToArray());
        reader.End();
    }

    [Fact]
    public void PayloadReader_RejectsShortfallExcessAndRange()
    {
        byte[] big = new byte[10];
        WireCodec.WriteVarint(big, ulong.MaxValue);

        Assert.Equal("test data is cut short", Assert.Throws<InvalidDataException>(() => { new PayloadReader([3, 1], "test data").Bytes(3); }).Message);
        Assert.Equal("test data has trailing bytes", Assert.Throws<InvalidDataException>(() => { new PayloadReader([1], "test data").End(); }).Message);
        Assert.Equal("test data holds a number out of range", Assert.Throws<InvalidDataException>(() => { new PayloadReader(big, "test data").Varint(); }).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PayloadWriter().Varint(-1));
    }
}
