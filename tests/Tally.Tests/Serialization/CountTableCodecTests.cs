using System.Text;
using Tally.Aggregation;
using Tally.Serialization;

namespace Tally.Tests;

public sealed class CountTableCodecTests
{
    private static CountTable Sample()
    {
        var table = new CountTable();
        var random = new Random(4);
        for (int i = 0; i < 5000; i++)
        {
            table.Add(Encoding.UTF8.GetBytes($"k{random.Next(2000)}é"), random.NextInt64(long.MaxValue / 10_000));
        }

        table.Add([0xFF, 0x00, 0xC3], long.MaxValue / 2);
        table.Add(""u8, 1);
        return table;
    }

    [Fact]
    public void WriteThenRead_RoundTripsEveryEntry()
    {
        var table = Sample();
        var stream = new MemoryStream();

        CountTableCodec.Write(table, stream);
        var read = CountTableCodec.Read(stream.ToArray());

        Assert.Equal(table.Count, read.Count);
        foreach (var entry in table.Entries())
        {
            Assert.Equal(entry.Total, read.Get(entry.Utf8.Span));
        }
    }

    [Fact]
    public void Read_AnyFlippedByteCutOrTrailingByte_IsRejected_FromBytesAndFromAStream()
    {
        var stream = new MemoryStream();
        CountTableCodec.Write(Sample(), stream);
        var bytes = stream.ToArray();

        for (int i = 0; i < bytes.Length; i += 1 + (bytes.Length / 200))
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => CountTableCodec.Read(damaged));
            Assert.Throws<InvalidDataException>(() => CountTableCodec.Read(bytes.AsSpan(0, i)));
            Assert.Throws<InvalidDataException>(() => CountTableCodec.Read(new Trickle(damaged, 977)));
            Assert.Throws<InvalidDataException>(() => CountTableCodec.Read(new Trickle(bytes[..i], 977)));
        }

        Assert.Throws<InvalidDataException>(() => CountTableCodec.Read([.. bytes, 0]));
        Assert.Throws<InvalidDataException>(() => CountTableCodec.Read(new Trickle([.. bytes, 0], 977)));
        Assert.Throws<InvalidDataException>(() => CountTableCodec.Read(new Trickle(bytes[..^1], 977)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65536)]
    public void ReadStream_InPiecesOfAnySize_EqualsReadSpan_AlsoKeysLongerThanTheWindow(int piece)
    {
        var table = Sample();
        table.Add(Enumerable.Range(0, 200_000).Select(i => (byte)('a' + (i % 26))).ToArray(), 42);
        table.Add(Enumerable.Range(0, 65_530).Select(i => (byte)('z' - (i % 26))).ToArray(), 43);
        var stream = new MemoryStream();
        CountTableCodec.Write(table, stream);
        var bytes = stream.ToArray();

        var read = CountTableCodec.Read(new Trickle(bytes, piece));

        Assert.Equal(Entries(CountTableCodec.Read(bytes)), Entries(read));
        Assert.Equal(table.Count, read.Count);
    }

    [Fact]
    public void ReadStream_AKeyLengthPastTheLineCeiling_IsRefusedBeforeAnyWindowThatLarge()
    {
        // "TLYT", version 1, one entry, a key of 2^31 - 1 bytes (damage: no line is that long).
        byte[] bytes = [.. "TLYT"u8, 1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0, 0];

        var error = Assert.Throws<InvalidDataException>(() => CountTableCodec.Read(new MemoryStream(bytes)));

        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    private static List<(string Key, long Total)> Entries(CountTable table)
    {
        var entries = new List<(string, long)>();
        table.ForEach(ref entries, static (ref List<(string, long)> all, ReadOnlySpan<byte> key, long total) => all.Add((Encoding.Latin1.GetString(key), total)));
        return entries;
    }

    /// <summary>A stream that gives at most <paramref name="piece"/> bytes per read, as a network does.</summary>
    private sealed class Trickle(byte[] data, int piece) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, piece));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, piece)]);
    }
}
