using System.Text;
using Tally.Aggregation;

namespace Tally.Tests;

public sealed class CountTableTests
{
    [Fact]
    public void Add_ManyKeys_GrowsAndMatchesDictionary()
    {
        var table = new CountTable(capacity: 4);
        var reference = new Dictionary<string, long>();
        var random = new Random(1);
        for (int i = 0; i < 100_000; i++)
        {
            string key = "k" + random.Next(30_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            long amount = random.Next(1, 1000);
            table.Add(Encoding.UTF8.GetBytes(key), amount);
            reference[key] = reference.GetValueOrDefault(key) + amount;
        }

        Assert.Equal(reference.Count, table.Count);
        Assert.All(reference, pair => Assert.Equal(pair.Value, table.Get(Encoding.UTF8.GetBytes(pair.Key))));
        Assert.Equal(0, table.Get("absent"u8));
    }

    [Fact]
    public void Add_EmptyAndPrefixKeys_AreDistinct()
    {
        var table = new CountTable();
        table.Add(""u8, 1);
        table.Add("a"u8, 2);
        table.Add("ab"u8, 3);
        table.Add("abcdefgh"u8, 4);
        table.Add("abcdefghi"u8, 5);

        Assert.Equal(5, table.Count);
        Assert.Equal(1, table.Get(""u8));
        Assert.Equal(5, table.Get("abcdefghi"u8));
    }

    [Fact]
    public void MergeFrom_AddsTotals()
    {
        var left = new CountTable();
        var right = new CountTable();
        left.Add("a"u8, 1);
        right.Add("a"u8, 2);
        right.Add("b"u8, 3);

        left.MergeFrom(right);

        Assert.Equal(3, left.Get("a"u8));
        Assert.Equal(3, left.Get("b"u8));
    }

    [Fact]
    public void Add_PastLongMax_ThrowsNamingTheKey()
    {
        var table = new CountTable();
        table.Add("big"u8, long.MaxValue);

        var error = Assert.Throws<OverflowException>(() => table.Add("big"u8, 1));

        Assert.Contains("\"big\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(long.MaxValue, table.Get("big"u8));
    }
}
