using System.Text;
using Tally.Aggregation;
using Tally.Cluster.Reduce;
using Tally.Output;
using Tally.Testing;

namespace Tally.Cluster.Tests;

/// <summary>
/// The reduce's parts without a cluster: seeded tables written as runs with index strides down to
/// one byte, merged over any splitters (keys that exist, prefixes of them, the empty key, repeated
/// splitters), concatenate to the sorted totals. No node is started.
/// </summary>
public sealed class RangeMergeTests
{
    private static readonly string[] s_pieces = ["", "a", "b", "ab", "é", "日", " ", "\t"];

    private static byte[] RandomKey(Random random)
    {
        var key = new List<byte>();
        int parts = random.Next(0, 4);
        for (int i = 0; i < parts; i++)
        {
            key.AddRange(Encoding.UTF8.GetBytes(s_pieces[random.Next(1, s_pieces.Length - 1)]));
        }

        if (random.Next(20) == 0)
        {
            key.Add(0xFF);
        }

        return [.. key];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task RunsMergedOverAnySplitters_ConcatenateToTheSortedTotals(int seed)
    {
        using var folder = new TempFolder();
        var random = new Random(seed);
        var expected = new Dictionary<string, (byte[] Key, long Total)>();
        var runs = new List<string>();
        var summaries = new List<RunSummary>();
        int tables = random.Next(1, 6);
        for (int t = 0; t < tables; t++)
        {
            var table = new CountTable();
            int keys = random.Next(0, 400);
            for (int i = 0; i < keys; i++)
            {
                byte[] key = RandomKey(random);
                long amount = random.Next(1, 1000) * (random.Next(50) == 0 ? 10_000_000_000L : 1);
                table.Add(key, amount);
                string id = Convert.ToHexString(key);
                expected[id] = (key, (expected.TryGetValue(id, out var seen) ? seen.Total : 0) + amount);
            }

            string path = Path.Combine(folder.Path, $"{t}.run");
            int[] strides = [1, 7, 64, RunFile.IndexStrideBytes];
            int stride = strides[random.Next(strides.Length)];
            summaries.Add(await RunFile.WriteAsync(table, path, random.Next(1, 40), CancellationToken.None, stride));
            runs.Add(path);
        }

        var sorted = expected.Values.OrderBy(e => e.Key, Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToList();
        var want = new MemoryStream();
        foreach (var (key, total) in sorted)
        {
            want.Write(key);
            want.Write(Encoding.ASCII.GetBytes($"\t{total}\n"));
        }

        // Splitters of every awkward kind, sorted (repeats allowed: they make empty ranges).
        var candidates = sorted.Select(e => e.Key).Concat(sorted.Where(e => e.Key.Length > 1).Select(e => e.Key[..^1])).Append([]).Append([0xFF, 0xFF]).ToList();
        for (int round = 0; round < 5; round++)
        {
            var splitters = round == 0
                ? Splitters.Choose(summaries, random.Next(1, 9))
                : [.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => candidates[random.Next(candidates.Count)]).Order(Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];
            int parts = splitters.Length + 1;
            var got = new MemoryStream();
            long rows = 0;
            for (int part = 0; part < parts; part++)
            {
                string file = Path.Combine(folder.Path, $"part-{round}-{part}");
                var (partRows, bytes) = await RangeMerge.WriteAsync(runs, part == 0 ? null : splitters[part - 1], part == parts - 1 ? null : splitters[part],
                    TsvRowFormat.Instance, part == 0, part == parts - 1, file, _ => { }, CancellationToken.None);
                byte[] written = await File.ReadAllBytesAsync(file);
                Assert.Equal(bytes, written.Length);
                got.Write(written);
                rows += partRows;
            }

            Assert.Equal(sorted.Count, rows);
            Assert.Equal(want.ToArray(), got.ToArray());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(RunFile.IndexStrideBytes)]
    public async Task KeysLongerThanTheBuffers_AndTotalsOfEveryLength_ComeBackWhole(int stride)
    {
        // Keys past the run writer's 64 KiB buffer and the reader's 32 KiB one, beside short keys
        // and a long key's own prefix; totals from one varint byte to ten; a long key in both runs.
        using var folder = new TempFolder();
        byte[] Long(char c, int length, string tail = "") => [.. Enumerable.Repeat((byte)c, length), .. Encoding.ASCII.GetBytes(tail)];
        (byte[] Key, long Total)[] first =
        [
            ("a"u8.ToArray(), 1), (Long('b', 70_000), 127), ("b"u8.ToArray(), 128), (Long('b', 70_000, "x"), 16_384),
            (Long('c', 200_000), 1L << 35), ("d"u8.ToArray(), long.MaxValue - 5), (Long('e', 40_000), (1L << 56) + 3),
        ];
        (byte[] Key, long Total)[] second = [(Long('b', 70_000), 1), ("c"u8.ToArray(), 1L << 62), (Long('c', 200_000), 2), ("d"u8.ToArray(), 5)];

        var runs = new List<string>();
        foreach (var entries in new[] { first, second })
        {
            var table = new CountTable();
            foreach (var (key, total) in entries)
            {
                table.Add(key, total);
            }

            string path = Path.Combine(folder.Path, $"{runs.Count}.run");
            await RunFile.WriteAsync(table, path, 3, CancellationToken.None, stride);
            runs.Add(path);
        }

        var byKey = Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y));
        var want = new MemoryStream();
        foreach (var group in first.Concat(second).GroupBy(e => Convert.ToHexString(e.Key)).Select(g => (g.First().Key, Total: g.Sum(e => e.Total))).OrderBy(e => e.Key, byKey))
        {
            want.Write(group.Key);
            want.Write(Encoding.ASCII.GetBytes($"\t{group.Total}\n"));
        }

        // Cut inside the long keys: at one, and between a long key and its longer sibling.
        byte[][] splitters = [Long('b', 70_000), Long('b', 70_000, "x"), Long('c', 100_000)];
        var got = new MemoryStream();
        for (int part = 0; part <= splitters.Length; part++)
        {
            string file = Path.Combine(folder.Path, $"part-{part}");
            await RangeMerge.WriteAsync(runs, part == 0 ? null : splitters[part - 1], part == splitters.Length ? null : splitters[part],
                TsvRowFormat.Instance, part == 0, part == splitters.Length, file, _ => { }, CancellationToken.None);
            got.Write(await File.ReadAllBytesAsync(file));
        }

        Assert.Equal(want.ToArray(), got.ToArray());
    }

    [Fact]
    public void Splitters_FromEvenSamples_CutEvenRanges()
    {
        // Two runs, one ten times the other's bytes: the samples weigh by the bytes they stand for.
        var small = new RunSummary(100, 700, [.. Enumerable.Range(0, 10).Select(i => Encoding.ASCII.GetBytes($"k{i * 10:D4}"))]);
        var large = new RunSummary(1000, 7000, [.. Enumerable.Range(0, 10).Select(i => Encoding.ASCII.GetBytes($"k{5000 + (i * 100):D4}"))]);

        var splitters = Splitters.Choose([small, large], 4);

        Assert.Equal(3, splitters.Length);
        Assert.All(splitters, s => Assert.True(s.AsSpan().SequenceCompareTo("k5000"u8) >= 0, Encoding.ASCII.GetString(s)));
        Assert.Empty(Splitters.Choose([small], 1));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 7)]
    public async Task Parts_AreEvenInBytes_WhenKeysGrowLongerAcrossTheKeySpace(int seed, int parts)
    {
        // Keys of 6 bytes at the bottom of the key space and over 200 at the top: cut by rank, the
        // last of four parts would hold about seven times the first's bytes.
        using var folder = new TempFolder();
        var random = new Random(seed);
        var runs = new List<string>();
        var summaries = new List<RunSummary>();
        for (int r = 0; r < 3; r++)
        {
            var table = new CountTable();
            var seen = new HashSet<int>();
            var expectedBytes = 0L;
            for (int i = 0; i < 3000; i++)
            {
                int n = random.Next(100_000);
                if (!seen.Add(n))
                {
                    continue;
                }

                byte[] key = Encoding.ASCII.GetBytes($"k{n:D5}{new string('x', n / 500)}");

                long total = random.Next(1, 1 << 20);
                table.Add(key, total);
                expectedBytes += (key.Length < 128 ? 1 : 2) + key.Length + (total < 128 ? 1 : total < 16_384 ? 2 : 3);
            }

            string path = Path.Combine(folder.Path, $"{r}.run");
            var summary = await RunFile.WriteAsync(table, path, 1024, CancellationToken.None);
            Assert.Equal(table.Count, summary.Keys);
            Assert.Equal(expectedBytes, summary.Bytes);
            Assert.Equal(1024, summary.Sample.Count);

            // What the coordinator decodes is what the node sent.
            var decoded = RunSummary.Decode(summary.Encode());
            Assert.Equal((summary.Keys, summary.Bytes), (decoded.Keys, decoded.Bytes));
            Assert.Equal(summary.Sample.Select(Convert.ToHexString), decoded.Sample.Select(Convert.ToHexString));
            summaries.Add(summary);
            runs.Add(path);
        }

        var splitters = Splitters.Choose(summaries, parts);
        var sizes = new List<long>();
        for (int part = 0; part < parts; part++)
        {
            string file = Path.Combine(folder.Path, $"part-{part}");
            var (_, bytes) = await RangeMerge.WriteAsync(runs, part == 0 ? null : splitters[part - 1], part == parts - 1 ? null : splitters[part],
                TsvRowFormat.Instance, false, false, file, _ => { }, CancellationToken.None);
            sizes.Add(bytes);
        }

        Assert.True(sizes.Max() < sizes.Min() * 1.1, $"parts of {string.Join(", ", sizes)} bytes");
    }

    [Fact]
    public async Task AMerge_KeepsToTheCallingThread_ThroughItsLastWrite()
    {
        // A node runs each merge on a thread of its own (ReduceTaskGrain), so that on a node of one
        // core the only pool thread stays free for Orleans. That holds only if the merge never hands
        // its writes to the pool and carries on there: written asynchronously, it did, and the
        // other node's reducer waited up to 0.27 s on this node's runtime.
        using var folder = new TempFolder();
        var table = new CountTable();
        for (int i = 0; i < 50_000; i++)
        {
            table.Add(Encoding.ASCII.GetBytes($"key-{i:D6}"), i + 1);
        }

        string run = Path.Combine(folder.Path, "0.run");
        await RunFile.WriteAsync(table, run, 10, CancellationToken.None);
        int caller = Environment.CurrentManagedThreadId;
        var reported = new List<int>();
        var merging = RangeMerge.WriteAsync([run], null, null, TsvRowFormat.Instance, header: true, footer: true, Path.Combine(folder.Path, "part-00000"),
            _ => reported.Add(Environment.CurrentManagedThreadId), CancellationToken.None);

        Assert.True(merging.IsCompleted, "the merge handed work to another thread before its part was written");
        var (rows, bytes) = await merging;
        Assert.Equal(50_000, rows);
        Assert.True(bytes > 10 << 16, $"{bytes} bytes: too few writes to show anything");
        Assert.True(reported.Count > 10);
        Assert.All(reported, thread => Assert.Equal(caller, thread));
    }
}
