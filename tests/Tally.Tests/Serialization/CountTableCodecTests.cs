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
        var (keys, offsets, totals) = table.Compact();
        for (int i = 0; i < totals.Length; i++)
        {
            Assert.Equal(totals[i], read.Get(keys.AsSpan(offsets[i], offsets[i + 1] - offsets[i])));
        }
    }

    [Fact]
    public void Read_AnyFlippedByteOrCut_IsRejected()
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
        }
    }
}
