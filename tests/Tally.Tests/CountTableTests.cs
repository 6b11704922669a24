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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(250)]
    [InlineData(2999)]
    [InlineData(3000)]
    [InlineData(int.MaxValue)]
    public void Top_ManyTies_MatchesSortingEveryKey(int n)
    {
        // Totals from a range of 40 give hundreds of keys per total, so nearly every place in the
        // top is decided by the keys' bytes; keys of varied length share prefixes (and one is
        // empty), the order a total alone cannot settle.
        var table = new CountTable(capacity: 4);
        var reference = new Dictionary<string, long>(StringComparer.Ordinal);
        var random = new Random(29);
        for (int i = 0; i < 3000; i++)
        {
            string key = i == 0 ? "" : new string('a', random.Next(4)) + random.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            long total = random.Next(1, 41);
            table.Add(Encoding.UTF8.GetBytes(key), total);
            reference[key] = reference.GetValueOrDefault(key) + total;
        }

        var expected = reference.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(n).Select(e => (e.Key, e.Value));

        Assert.Equal(expected, table.Top(n).Select(e => (Encoding.UTF8.GetString(e.Utf8.Span), e.Total)));
    }

    [Fact]
    public void Top_EmptyTable_GivesNothing()
    {
        Assert.Empty(new CountTable().Top(10));
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

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 3)]
    [InlineData(true, 0)]
    [InlineData(true, 3)]
    public void Reserve_ThenMerge_ThenGrowPastTheRoom_MatchesDictionary(bool unindexedTarget, int sharedEvery)
    {
        // Keys disjoint between the tables (sharedEvery 0, as Ngram files are) or every third key
        // in several, into an indexed or a decoded (unindexed) table; then more keys than the room
        // made, so the table grows again after the reserve.
        var random = new Random(unindexedTarget ? 11 : 12 + sharedEvery);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var into = unindexedTarget ? CountTable.Unindexed(10) : new CountTable(capacity: 4);
        for (int i = 0; i < 500; i++)
        {
            string key = $"own{i}";
            var bytes = Encoding.UTF8.GetBytes(key);
            if (unindexedTarget)
            {
                into.AppendUnique(bytes, KeyHash.Compute(bytes), i + 1);
            }
            else
            {
                into.Add(bytes, i + 1);
            }

            expected[key] = i + 1;
        }

        var others = new List<CountTable>();
        for (int t = 0; t < 4; t++)
        {
            var other = new CountTable(capacity: 4);
            for (int i = 0; i < 3000; i++)
            {
                string key = sharedEvery > 0 && i % sharedEvery == 0 ? $"own{i % 500}" : $"t{t}-{i}-{random.Next(100)}";
                long amount = random.Next(1, 1000);
                other.Add(Encoding.UTF8.GetBytes(key), amount);
                expected[key] = expected.GetValueOrDefault(key) + amount;
            }

            others.Add(other);
        }

        into.Reserve(others);
        foreach (var other in others)
        {
            into.MergeFrom(other);
        }

        Assert.Equal(expected, Entries(into));
        for (int i = 0; i < 20_000; i++)
        {
            string key = $"late{i}";
            into.Add(Encoding.UTF8.GetBytes(key), 3);
            expected[key] = 3;
        }

        Assert.Equal(expected.Count, into.Count);
        Assert.Equal(expected, Entries(into));
        Assert.All(expected, pair => Assert.Equal(pair.Value, into.Get(Encoding.UTF8.GetBytes(pair.Key))));
        Assert.Equal(expected, into.Entries().ToDictionary(e => Encoding.UTF8.GetString(e.Utf8.Span), e => e.Total, StringComparer.Ordinal));
    }

    [Fact]
    public void Merge_OfKeysAlreadyHere_MakesNoRoom_AndOfNewKeys_MakesRoomOnce()
    {
        // Tables of the same keys (a corpus counted twice, files split by year) share nearly every
        // key: room for them all as new doubled the slots of a large table for nothing.
        static CountTable Keys(string prefix, int count, int capacity, long amount)
        {
            var table = new CountTable(capacity);
            for (int i = 0; i < count; i++)
            {
                table.Add(Encoding.UTF8.GetBytes($"{prefix}{i}"), amount);
            }

            return table;
        }

        var into = Keys("key", 200_000, capacity: 150_000, amount: 1);
        long before = into.Footprint;

        into.MergeFrom(Keys("key", 200_000, capacity: 4, amount: 2));

        Assert.Equal(before, into.Footprint);
        Assert.Equal(200_000, into.Count);
        Assert.Equal(3, into.Get("key0"u8));
        Assert.Equal(3, into.Get("key199999"u8));

        // Keys not here: room is made for them before the merge (not grown into on the way).
        var fresh = Keys("new", 200_000, capacity: 4, amount: 5);
        into.Reserve([fresh]);
        long reserved = into.Footprint;
        Assert.True(reserved > before, "no room was made for 200,000 new keys");

        into.MergeFrom(fresh);

        Assert.Equal(reserved, into.Footprint);
        Assert.Equal(400_000, into.Count);
        Assert.Equal(5, into.Get("new123"u8));
        Assert.Equal(3, into.Get("key123"u8));
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

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 4)]
    [InlineData(200_000, 1)]
    [InlineData(200_000, 3)]
    [InlineData(200_000, 64)]
    public void Snapshot_AnyPartCount_ListsEveryEntryOnceInSlotOrder(int keys, int parts)
    {
        var table = new CountTable();
        for (int i = 0; i < keys; i++)
        {
            table.Add(Encoding.UTF8.GetBytes($"key{i * 7919}"), (long)i << 20);
        }

        var (keyBytes, entries) = table.Snapshot(parts);

        // The walk in place lists the same entries in the same (arena) order.
        var walked = table.Entries().ToArray();
        Assert.Equal(walked.Length, entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            Assert.True(keyBytes.AsSpan(entries[i].KeyOffset, entries[i].KeyLength).SequenceEqual(walked[i].Utf8.Span));
            Assert.Equal(walked[i].Total, entries[i].Total);
        }
    }

    [Fact]
    public void Snapshot_TableGrowsAfterward_KeysStayAsTheyWere()
    {
        var table = new CountTable(capacity: 4);
        table.Add("first"u8, 1);
        var (keys, entries) = table.Snapshot(1);

        for (int i = 0; i < 10_000; i++)
        {
            table.Add(Encoding.UTF8.GetBytes($"later{i}"), 2);
        }

        table.Add("first"u8, 5);

        Assert.Equal("first"u8.ToArray(), keys.AsSpan(entries[0].KeyOffset, entries[0].KeyLength).ToArray());
        Assert.Equal(1, entries[0].Total);
    }

    [Fact]
    public void ForSource_SmallOrUnknownSources_StartNoBiggerThanTheyCanFill()
    {
        // 20,000 one-row files took 1.5 GB when every table started at the full capacity.
        var oneRow = CountTable.ForSource(15);
        var unknown = CountTable.ForSource(null);
        var large = CountTable.ForSource(1L << 30);

        Assert.True(oneRow.Footprint < 2048, $"a one-row file's table takes {oneRow.Footprint} bytes");
        Assert.Equal(new CountTable().Footprint, unknown.Footprint);
        Assert.Equal(new CountTable().Footprint, large.Footprint);
        for (int i = 0; i < 10_000; i++)
        {
            oneRow.Add(System.Text.Encoding.UTF8.GetBytes($"key{i}"), i);
        }

        Assert.Equal(10_000, oneRow.Count);
        Assert.Equal(9_999, oneRow.Get("key9999"u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5000)]
    public void Unindexed_BehavesAsAnIndexedTable_ForEveryUse(int keys)
    {
        var random = new Random(keys + 1);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var table = CountTable.Unindexed(keys / 3);
        for (int i = 0; i < keys; i++)
        {
            string key = $"k{i}-{random.Next(1000)}";
            long total = random.NextInt64(1, 1L << 40);
            expected[key] = total;
            var bytes = Encoding.UTF8.GetBytes(key);
            table.AppendUnique(bytes, KeyHash.Compute(bytes), total);
        }

        // Read as it is (never looked up): the walk sees every record once.
        Assert.Equal(expected, Entries(table));
        Assert.Equal(keys, table.Count);

        // Folded into another table, and another folded into it.
        var other = new CountTable();
        other.MergeFrom(table);
        Assert.Equal(expected, Entries(other));
        var more = new CountTable();
        more.Add("k0-new"u8, 7);
        if (keys > 0)
        {
            var first = expected.Keys.First();
            more.Add(Encoding.UTF8.GetBytes(first), 5);
            expected[first] += 5;
        }

        expected["k0-new"] = 7;
        table.MergeFrom(more);
        Assert.Equal(expected, Entries(table));
        Assert.Equal(expected.Count, table.Count);
        foreach (var (key, total) in expected)
        {
            Assert.Equal(total, table.Get(Encoding.UTF8.GetBytes(key)));
        }
    }

    [Fact]
    public void Unindexed_LookedUpFirst_FindsEveryKey_ThenAddsWithoutDuplicates()
    {
        var table = CountTable.Unindexed(4);
        foreach (var key in new[] { "a", "b", "c", "d", "e" })
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            table.AppendUnique(bytes, KeyHash.Compute(bytes), key[0]);
        }

        Assert.Equal('c', table.Get("c"u8));
        Assert.Equal(0, table.Get("z"u8));
        table.Add("c"u8, 1);
        table.Add("z"u8, 2);

        Assert.Equal(new Dictionary<string, long> { ["a"] = 'a', ["b"] = 'b', ["c"] = 'c' + 1, ["d"] = 'd', ["e"] = 'e', ["z"] = 2 }, Entries(table));
    }

    private static Dictionary<string, long> Entries(CountTable table)
    {
        var entries = new Dictionary<string, long>(StringComparer.Ordinal);
        table.ForEach(ref entries, static (ref Dictionary<string, long> all, ReadOnlySpan<byte> key, long total) => all.Add(Encoding.UTF8.GetString(key), total));
        return entries;
    }
}
