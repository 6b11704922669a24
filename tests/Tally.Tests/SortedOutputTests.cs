using System.Buffers;
using System.Globalization;
using System.Text;
using Tally.Aggregation;
using Tally.Output;
using Tally.Output.Sorting;
using Tally.Serialization;

namespace Tally.Tests;

/// <summary>
/// The sorted output (<c>-o</c>) against a reference: keys ordered with LINQ and an ordinal
/// comparison, rows formatted by hand. Every configuration of the parallel sort and writer, forced
/// on small tables, must give the reference's bytes exactly.
/// </summary>
public sealed class SortedOutputTests
{
    /// <summary>Ways to make keys, each aimed at a part of the sort.</summary>
    public enum KeyShape
    {
        /// <summary>Ngram-like words and tags, with non-ASCII UTF-8, invalid UTF-8 and a zero byte.</summary>
        Mixed,

        /// <summary>Every key starts with the same byte: a histogram on the first byte would put all in one range.</summary>
        SameFirstByte,

        /// <summary>Every key starts with the same eight bytes: the prefixes all tie and only the tails decide.</summary>
        SameFirstEightBytes,

        /// <summary>Short keys over a, b and a zero byte: many are prefixes of others, and zero padding ties them.</summary>
        ShortPrefixes,

        /// <summary>Any bytes, 0 to 16 of them.</summary>
        Binary,
    }

    private static readonly string[] s_words =
        ["a", "b", "the", "The", "_NOUN", "_VERB", "é", "ü", "日本", "Aardvark", "-", "'", "\0"];

    /// <summary>Key ranges sorted in parallel: 1 is the serial path; past 256 is clamped; more than keys leaves ranges empty.</summary>
    private static readonly int[] s_partitions = [1, 2, 3, 8, 256, 1000];

    /// <summary>(rows per chunk, chunks in flight): the serial path, then parallel ones, down to a row per chunk.</summary>
    private static readonly (int ChunkRows, int Window)[] s_chunkings = [(1 << 14, 0), (7, 2), (1, 3), (500, 4), (100, 8), (33, 2)];

    private static readonly int[] s_sizes = [0, 1, 2, 3, 65, 500, 3_000, 20_000];

    public static TheoryData<KeyShape> Shapes() => [.. Enum.GetValues<KeyShape>()];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SortedTotals_AnyPartitions_OrdersLikeReference(KeyShape shape)
    {
        foreach (int size in s_sizes)
        {
            var totals = RandomTotals(shape, size, seed: size + (int)shape);
            var table = Table(totals);
            var expected = totals.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            foreach (int partitions in s_partitions)
            {
                var sorted = SortedTotals.Create(table, partitions);

                Assert.True(expected.SequenceEqual(Listed(sorted)),
                    $"{shape}, {size} keys, {partitions} partitions");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SortedTotals_SeveralTables_SumsEachKeyOnce(KeyShape shape)
    {
        foreach (int size in s_sizes)
        {
            var totals = RandomTotals(shape, size, seed: 100 + size + (int)shape);
            var tables = SplitTables(totals, tableCount: 1 + (size % 4) + 1, seed: size);
            var expected = totals.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            foreach (int partitions in s_partitions)
            {
                var sorted = SortedTotals.Create(tables, partitions);

                Assert.True(expected.SequenceEqual(Listed(sorted)),
                    $"{shape}, {size} keys in {tables.Count} tables, {partitions} partitions");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SortedTotals_TablesFilledInKeyOrder_MergesThem(KeyShape shape)
    {
        // Sorted input fills every table in key order: the sort merges the tables' listings.
        foreach (int size in s_sizes)
        {
            var totals = RandomTotals(shape, size, seed: 200 + size + (int)shape);
            var expected = totals.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            foreach (int tableCount in new[] { 1, 3, 16 })
            {
                var tables = SplitTables(totals, tableCount, seed: size, inKeyOrder: true);
                foreach (int partitions in s_partitions)
                {
                    var sorted = SortedTotals.Create(tables, partitions, maxThreads: 3);

                    Assert.True(sorted.MergedRuns, $"{shape}, {size} keys in {tableCount} tables: not merged");
                    Assert.True(expected.SequenceEqual(Listed(sorted)),
                        $"{shape}, {size} keys in {tableCount} tables, {partitions} partitions");
                }
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void SortedTotals_OneTableOutOfOrder_SortsInstead(int outOfOrderAt)
    {
        // Sorted tables but one, whose key out of order is first, in the middle, or last.
        var totals = RandomTotals(KeyShape.Mixed, 3_000, seed: 14).ToDictionary(e => e.Key, e => e.Value / 2);
        var tables = SplitTables(totals, tableCount: 3, seed: 14, inKeyOrder: true);
        var keys = totals.Keys.Order(StringComparer.Ordinal).ToList();
        var late = new CountTable(capacity: 16);
        string last = keys[^1] + "z";
        if (outOfOrderAt == 0)
        {
            late.Add(Encoding.Latin1.GetBytes(last), 1);
        }

        foreach (string key in keys.Skip(outOfOrderAt == 1 ? 1500 : 2900))
        {
            late.Add(Encoding.Latin1.GetBytes(key), 1);
            if (outOfOrderAt == 1 && key == keys[2000])
            {
                late.Add(Encoding.Latin1.GetBytes(keys[10]), 1);
            }
        }

        if (outOfOrderAt == 2)
        {
            late.Add(Encoding.Latin1.GetBytes(keys[0]), 1);
        }

        tables.Add(late);
        var expected = new Dictionary<string, long>(totals, StringComparer.Ordinal);
        late.ForEach(ref expected, static (ref Dictionary<string, long> e, ReadOnlySpan<byte> key, long total) =>
        {
            string text = Encoding.Latin1.GetString(key);
            e[text] = e.GetValueOrDefault(text) + total;
        });

        foreach (int partitions in s_partitions)
        {
            var sorted = SortedTotals.Create(tables, partitions);

            Assert.False(sorted.MergedRuns);
            Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), Listed(sorted));
        }
    }

    [Fact]
    public void SortedTotals_EveryKeyInEveryTable_SumsThem()
    {
        // All copies of every key: the ranges' splitters repeat, leaving some ranges empty.
        var totals = RandomTotals(KeyShape.Mixed, 3_000, seed: 12).ToDictionary(e => e.Key, e => e.Value / 8);
        var tables = Enumerable.Range(0, 5).Select(_ => Table(totals)).ToList();
        tables.Add(new CountTable());

        foreach (int partitions in s_partitions)
        {
            var sorted = SortedTotals.Create(tables, partitions, maxThreads: 2);

            Assert.Equal(totals.Count, sorted.Count);
            Assert.All(Enumerable.Range(0, sorted.Count).Select(sorted.At), e => Assert.Equal(totals[Encoding.Latin1.GetString(e.Utf8.Span)] * 5, e.Total));
        }
    }

    [Fact]
    public void SortedTotals_KeySumPastLongMax_Throws()
    {
        var first = new CountTable();
        first.Add("big"u8, long.MaxValue - 1);
        first.Add("small"u8, 1);
        var second = new CountTable();
        second.Add("big"u8, 2);

        var error = Assert.Throws<OverflowException>(() => SortedTotals.Create([first, second], partitions: 1));

        Assert.Equal("the total of \"big\" passes 2^63-1", error.Message);
    }

    [Fact]
    public void Top_MoreThanThereAreKeys_GivesEveryKeyOnce_InRankOrder()
    {
        // int.MaxValue means "all of them": the heap grows with the keys, it is never sized by N.
        var totals = RandomTotals(KeyShape.Mixed, 5000, seed: 31).ToDictionary(e => e.Key, e => e.Value);
        var result = new CountResult(SplitTables(totals, tableCount: 3, seed: 31), [], TimeSpan.Zero, threads: 2);

        var all = result.Top(int.MaxValue);

        var expected = totals.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value));
        Assert.Equal(expected, all.Select(e => (Encoding.Latin1.GetString(e.Utf8.Span), e.Total)));
    }

    [Fact]
    public async Task CountResult_SeveralTables_ActsAsTheirSum()
    {
        var totals = RandomTotals(KeyShape.Mixed, TallyDefaults.ParallelOutputThreshold + 500, seed: 13).ToDictionary(e => e.Key, e => e.Value / 4);
        var tables = SplitTables(totals, tableCount: 4, seed: 13);
        var result = new CountResult(tables, [], TimeSpan.Zero, threads: 4);

        // The count before anything sorted, then every other view, then the count from the sorted keys.
        Assert.Equal(totals.Count, result.Count);
        Assert.All(totals.Take(200), e => Assert.Equal(e.Value, result.GetTotal(Encoding.Latin1.GetBytes(e.Key))));
        Assert.Equal(0, result.GetTotal("absent from every table"u8));
        var top = totals.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(25).Select(e => (e.Key, e.Value));
        Assert.Equal(top, result.Top(25).Select(e => (Encoding.Latin1.GetString(e.Utf8.Span), e.Total)));
        using var output = new MemoryStream();
        await result.WriteTsvAsync(output);
        Assert.Equal(ReferenceTsv(totals), output.ToArray());
        Assert.Equal(totals.Count, result.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CountResult_SeveralTablesFromTheWire_SortedFirstOrMergedFirst_AgreeWithTheirSum(bool sortedFirst)
    {
        // Tables decoded from a node or a worker process are not indexed until looked up; the
        // result merges them for the count, the top and lookups, or reads those from the sorted
        // keys if the output made them first. Either way round, every view is the sum.
        var totals = RandomTotals(KeyShape.Mixed, TallyDefaults.ParallelOutputThreshold + 700, seed: 43).ToDictionary(e => e.Key, e => e.Value / 4);
        var tables = SplitTables(totals, tableCount: 5, seed: 43).Select(Decoded).ToList();
        var result = new CountResult(tables, [], TimeSpan.Zero, threads: 4);
        var top = totals.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(40).Select(e => (e.Key, e.Value)).ToList();

        using var output = new MemoryStream();
        if (sortedFirst)
        {
            await result.WriteTsvAsync(output);
        }

        Assert.Equal(totals.Count, result.Count);
        Assert.Equal(top, result.Top(40).Select(e => (Encoding.Latin1.GetString(e.Utf8.Span), e.Total)));
        Assert.All(totals, e => Assert.Equal(e.Value, result.GetTotal(Encoding.Latin1.GetBytes(e.Key))));
        Assert.Equal(0, result.GetTotal("absent from every table"u8));
        if (!sortedFirst)
        {
            await result.WriteTsvAsync(output);
        }

        Assert.Equal(ReferenceTsv(totals), output.ToArray());
        Assert.Equal(top, result.Top(40).Select(e => (Encoding.Latin1.GetString(e.Utf8.Span), e.Total)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void KeyTotal_WriteTsvRow_WritesTheLinesOfTheTsv(KeyShape shape)
    {
        var totals = RandomTotals(shape, 500, seed: 17 + (int)shape);
        var result = Result(totals);

        // A writer of one byte grows at every row: each row must ask for all the room it needs.
        var rows = new ArrayBufferWriter<byte>(1);
        foreach (var entry in result.Top(totals.Count).OrderBy(e => Encoding.Latin1.GetString(e.Utf8.Span), StringComparer.Ordinal))
        {
            entry.WriteTsvRow(rows);
        }

        Assert.Equal(ReferenceTsv(totals), rows.WrittenSpan.ToArray());
    }

    [Fact]
    public void KeyTotal_WriteTsvRow_FitsTheWidestTotals()
    {
        var rows = new ArrayBufferWriter<byte>(1);
        new KeyTotal(new byte[] { 0xFF }, long.MaxValue).WriteTsvRow(rows);
        new KeyTotal(ReadOnlyMemory<byte>.Empty, long.MinValue).WriteTsvRow(rows);

        Assert.Equal([0xFF, .. "\t9223372036854775807\n\t-9223372036854775808\n"u8], rows.WrittenSpan.ToArray());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task WriteTsv_AnyChunking_MatchesReference(KeyShape shape)
    {
        foreach (int size in s_sizes)
        {
            var totals = RandomTotals(shape, size, seed: size + (int)shape);
            var sorted = SortedTotals.Create(Table(totals), partitions: 4);
            byte[] expected = ReferenceTsv(totals);
            foreach (var (chunkRows, window) in s_chunkings)
            {
                using var output = new MemoryStream();
                await OrderedChunkWriter.WriteAsync(sorted, TsvRowFormat.Instance, output, new OrderedChunkWriter.Chunking(chunkRows, window, 1 << 20), CancellationToken.None);

                Assert.True(expected.AsSpan().SequenceEqual(output.ToArray()), $"{shape}, {size} keys, {chunkRows} rows a chunk, window {window}");
            }
        }
    }

    [Theory]
    [InlineData(TallyDefaults.ParallelOutputThreshold - 1)]
    [InlineData(TallyDefaults.ParallelOutputThreshold)]
    [InlineData(TallyDefaults.ParallelOutputThreshold + 1)]
    public async Task WriteTsvAsync_AroundParallelThreshold_MatchesReference(int size)
    {
        var totals = RandomTotals(KeyShape.Mixed, size, seed: size);
        var result = Result(totals);

        using var output = new MemoryStream();
        await result.WriteTsvAsync(output);

        Assert.Equal(ReferenceTsv(totals), output.ToArray());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task WriteTsvAsync_LargeTable_MatchesReference(KeyShape shape)
    {
        // Large enough for the parallel snapshot of the slots, several radix passes per range,
        // and runs of tied prefixes longer than the insertion sort takes.
        var totals = RandomTotals(shape, 150_000, seed: 7);
        var result = Result(totals);

        using var output = new MemoryStream();
        await result.WriteTsvAsync(output);

        Assert.True(ReferenceTsv(totals).AsSpan().SequenceEqual(output.ToArray()));
    }

    [Theory]
    [InlineData(1_000_000, 1, 1, 0)]
    [InlineData(1_000_000, 3, 3 * TallyDefaults.OutputPartitionsPerCore, 3 * TallyDefaults.OutputChunksInFlightPerCore)]
    [InlineData(1_000_000, 1000, 256, 1000 * TallyDefaults.OutputChunksInFlightPerCore)]
    [InlineData(TallyDefaults.ParallelOutputThreshold - 1, 8, 1, 0)]
    public void OutputPlan_FollowsTheThreadCount(int rows, int threads, int partitions, int window)
    {
        Assert.Equal(partitions, SortedTotals.PartitionsFor(rows, threads));
        Assert.Equal(window, OrderedChunkWriter.Chunking.For(rows, threads).Window);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task WriteTsvAsync_AnyThreadCount_MatchesReference(int threads)
    {
        var totals = RandomTotals(KeyShape.Mixed, TallyDefaults.ParallelOutputThreshold * 2, seed: 11);

        using var output = new MemoryStream();
        await Result(totals, threads).WriteTsvAsync(output);

        Assert.True(ReferenceTsv(totals).AsSpan().SequenceEqual(output.ToArray()));
    }

    [Fact]
    public void Sorted_ParallelSort_ListsKeysInOrdinalByteOrder()
    {
        var totals = RandomTotals(KeyShape.Mixed, 50_000, seed: 3);

        var sorted = Result(totals).Sorted();

        Assert.Equal(
            totals.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value)),
            sorted.Select(e => (Encoding.Latin1.GetString(e.Utf8.Span), e.Total)));
    }

    [Fact]
    public async Task WriteTsv_ChunkOverTheByteLimit_IsStreamedByTheWriter()
    {
        var totals = RandomTotals(KeyShape.Mixed, 5_000, seed: 11);
        totals[new string('k', 300)] = 5;
        totals[new string('l', 70_000)] = 6;
        var sorted = SortedTotals.Create(Table(totals), partitions: 4);

        using var output = new MemoryStream();
        await OrderedChunkWriter.WriteAsync(sorted, TsvRowFormat.Instance, output, new OrderedChunkWriter.Chunking(ChunkRows: 40, Window: 3, MaxChunkBytes: 1_000), CancellationToken.None);

        Assert.Equal(ReferenceTsv(totals), output.ToArray());
    }

    [Fact]
    public async Task WriteTsv_StreamFailsMidway_ThrowsTheStreamsError()
    {
        var sorted = SortedTotals.Create(Table(RandomTotals(KeyShape.Mixed, 5_000, seed: 5)), partitions: 4);
        using var output = new FailingStream(failOnWrite: 3, cancel: null);

        var error = await Assert.ThrowsAsync<IOException>(() =>
            OrderedChunkWriter.WriteAsync(sorted, TsvRowFormat.Instance, output, new OrderedChunkWriter.Chunking(100, 4, 1 << 20), CancellationToken.None));

        Assert.Equal("disk full", error.Message);
        Assert.Equal(3, output.Writes);
    }

    [Fact]
    public async Task WriteTsv_CancelledMidway_ThrowsOperationCanceled()
    {
        var sorted = SortedTotals.Create(Table(RandomTotals(KeyShape.Mixed, 5_000, seed: 6)), partitions: 4);
        using var cancel = new CancellationTokenSource();
        using var output = new FailingStream(failOnWrite: 0, cancel: cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            OrderedChunkWriter.WriteAsync(sorted, TsvRowFormat.Instance, output, new OrderedChunkWriter.Chunking(100, 4, 1 << 20), cancel.Token));

        Assert.True(output.Writes < 50);
    }

    [Fact]
    public async Task WriteTsvAsync_AlreadyCancelled_WritesNothing()
    {
        var result = Result(RandomTotals(KeyShape.Mixed, TallyDefaults.ParallelOutputThreshold * 2, seed: 8));
        using var output = new MemoryStream();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result.WriteTsvAsync(output, new CancellationToken(canceled: true)));

        Assert.Equal(0, output.Length);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task WalkSortedAsync_SeveralTables_ListsEveryKeyOnceInOrder(KeyShape shape)
    {
        // Unmerged tables with repeated keys, as the job hands them over: unsorted (the sample
        // sort) and filled in key order (the merge), over one chunk, several, and a partial last one.
        foreach (int size in new[] { 0, 1, 500, (TallyDefaults.OutputChunkRows * 2) + 3 })
        {
            var totals = RandomTotals(shape, size, seed: 300 + size + (int)shape);
            var expected = totals.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            foreach (bool inKeyOrder in new[] { false, true })
            {
                var result = new CountResult(SplitTables(totals, tableCount: 4, seed: size, inKeyOrder: inKeyOrder), [], TimeSpan.Zero, threads: 4);
                var walked = new List<KeyValuePair<string, long>>();
                int chunks = 0;
                await result.WalkSortedAsync((chunk, _) =>
                {
                    Assert.Equal(walked.Count, chunk.FirstRank);
                    Assert.InRange(chunk.Count, 1, TallyDefaults.OutputChunkRows);
                    foreach (var row in chunk)
                    {
                        walked.Add(KeyValuePair.Create(Encoding.Latin1.GetString(row.Key), row.Total));
                    }

                    chunks++;
                    return ValueTask.CompletedTask;
                });

                Assert.True(expected.SequenceEqual(walked), $"{shape}, {size} keys, in key order: {inKeyOrder}");
                Assert.Equal((size + TallyDefaults.OutputChunkRows - 1) / TallyDefaults.OutputChunkRows, chunks);
            }
        }
    }

    [Fact]
    public async Task WalkSortedAsync_TsvRowsOfTheWalk_AreTheBytesOfWriteTsvAsync()
    {
        var totals = RandomTotals(KeyShape.Mixed, (TallyDefaults.ParallelOutputThreshold * 2) + 17, seed: 21);
        var result = new CountResult(SplitTables(totals, tableCount: 3, seed: 21), [], TimeSpan.Zero, threads: 4);

        var rows = new ArrayBufferWriter<byte>(1);
        await result.WalkSortedAsync((chunk, _) =>
        {
            for (int i = 0; i < chunk.Count; i++)
            {
                TsvRowFormat.Instance.WriteRow(rows, chunk.Key(i), chunk.Total(i));
            }

            return ValueTask.CompletedTask;
        });
        using var output = new MemoryStream();
        await result.WriteTsvAsync(output);

        Assert.True(rows.WrittenSpan.SequenceEqual(output.ToArray()));
        Assert.Equal(ReferenceTsv(totals), output.ToArray());
    }

    [Fact]
    public async Task WalkSortedAsync_CancelledDuringAChunk_HandsOutNoMore()
    {
        var result = Result(RandomTotals(KeyShape.Mixed, TallyDefaults.OutputChunkRows * 4, seed: 22));
        using var cancel = new CancellationTokenSource();
        int chunks = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result.WalkSortedAsync(
            async (chunk, token) =>
            {
                chunks++;
                await cancel.CancelAsync();
            },
            cancel.Token));

        Assert.Equal(1, chunks);
    }

    [Fact]
    public async Task WalkSortedAsync_AlreadyCancelled_CallsNothing()
    {
        var result = Result(RandomTotals(KeyShape.Mixed, 100, seed: 23));
        int chunks = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result.WalkSortedAsync(
            (chunk, token) =>
            {
                chunks++;
                return ValueTask.CompletedTask;
            },
            new CancellationToken(canceled: true)));

        Assert.Equal(0, chunks);
    }

    [Fact]
    public void SortedChunk_RowOutsideTheChunk_Throws()
    {
        var chunk = default(SortedChunk);

        Assert.Equal(0, chunk.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => chunk.Total(0));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task WriteAsync_FormatWithFramingAndEscapes_MatchesReference(KeyShape shape)
    {
        // A second row format through the same writer: header and footer once, rows sized by
        // their escaped keys (two bytes per key byte), in every chunking.
        foreach (int size in s_sizes)
        {
            var totals = RandomTotals(shape, size, seed: 400 + size + (int)shape);
            var sorted = SortedTotals.Create(Table(totals), partitions: 4);
            var text = new StringBuilder("key,total\n");
            foreach (var (key, total) in totals.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                text.Append(Convert.ToHexString(Encoding.Latin1.GetBytes(key))).Append(',').Append(total.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            byte[] expected = Encoding.ASCII.GetBytes(text.Append("end\n").ToString());
            foreach (var (chunkRows, window) in s_chunkings)
            {
                using var output = new MemoryStream();
                await OrderedChunkWriter.WriteAsync(sorted, HexRowFormat.Instance, output, new OrderedChunkWriter.Chunking(chunkRows, window, 1 << 20), CancellationToken.None);

                Assert.True(expected.AsSpan().SequenceEqual(output.ToArray()), $"{shape}, {size} keys, {chunkRows} rows a chunk, window {window}");
            }
        }
    }

    /// <summary>Distinct keys (as Latin-1 strings, one char per byte) with totals from 1 to past 2^31, some near 2^63.</summary>
    private static Dictionary<string, long> RandomTotals(KeyShape shape, int count, int seed)
    {
        var random = new Random(seed);
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        while (totals.Count < count)
        {
            string key = Key(shape, random);
            if (shape == KeyShape.ShortPrefixes && totals.Count >= 200)
            {
                // There are only 364 keys of up to five symbols; random tails let larger sets grow.
                key += Key(KeyShape.Binary, random);
            }

            totals[key] = random.Next(4) switch
            {
                0 => random.Next(1, 100),
                1 => random.NextInt64(int.MaxValue - 10L, int.MaxValue + 10L),
                2 => random.NextInt64(1L << 32, 1L << 40),
                _ => random.Next(20) == 0 ? long.MaxValue - random.Next(3) : random.Next(1, 1_000_000),
            };
        }

        return totals;
    }

    private static string Key(KeyShape shape, Random random)
    {
        switch (shape)
        {
            case KeyShape.Mixed:
                var builder = new StringBuilder();
                for (int i = random.Next(1, 7); i > 0; i--)
                {
                    builder.Append(s_words[random.Next(s_words.Length)]);
                }

                string key = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(builder.ToString()));
                return random.Next(40) == 0 ? key + "\u00ff\u00c3" : key;
            case KeyShape.SameFirstByte:
                return "q" + Key(KeyShape.Mixed, random);
            case KeyShape.SameFirstEightBytes:
                return "abcdefgh" + Key(random.Next(2) == 0 ? KeyShape.Binary : KeyShape.Mixed, random);
            case KeyShape.ShortPrefixes:
                return new string([.. Enumerable.Range(0, random.Next(6)).Select(_ => "ab\0"[random.Next(3)])]);
            default:
                return new string([.. Enumerable.Range(0, random.Next(17)).Select(_ => (char)random.Next(256))]);
        }
    }

    /// <summary>The sorted entries in rank order, each as (key as Latin-1 text, total).</summary>
    private static IEnumerable<KeyValuePair<string, long>> Listed(SortedTotals sorted)
        => Enumerable.Range(0, sorted.Count).Select(sorted.At).Select(e => KeyValuePair.Create(Encoding.Latin1.GetString(e.Utf8.Span), e.Total));

    /// <summary>
    /// <paramref name="totals"/> spread over <paramref name="tableCount"/> tables: a key in one
    /// table, or its total split over two or more (never an entry of 0, which a count never makes).
    /// </summary>
    /// <param name="inKeyOrder">Add the keys in ordinal order, as a count of sorted input does.</param>
    private static List<CountTable> SplitTables(Dictionary<string, long> totals, int tableCount, int seed, bool inKeyOrder = false)
    {
        var random = new Random(seed);
        var tables = Enumerable.Range(0, tableCount).Select(_ => new CountTable(capacity: 16)).ToList();
        foreach (var (key, total) in inKeyOrder ? totals.OrderBy(e => e.Key, StringComparer.Ordinal) : totals.AsEnumerable())
        {
            byte[] bytes = Encoding.Latin1.GetBytes(key);
            int copies = total < tableCount || random.Next(3) == 0 ? 1 : random.Next(2, tableCount + 1);
            int first = random.Next(tableCount);
            long left = total;
            for (int c = 0; c < copies; c++)
            {
                long part = c == copies - 1 ? left : random.NextInt64(1, left - (copies - c - 1) + 1);
                tables[(first + c) % tableCount].Add(bytes, part);
                left -= part;
            }
        }

        return tables;
    }

    private static CountTable Decoded(CountTable table)
    {
        using var bytes = new MemoryStream();
        CountTableCodec.Write(table, bytes);
        bytes.Position = 0;
        return CountTableCodec.Read(bytes);
    }

    private static CountTable Table(Dictionary<string, long> totals)
    {
        var table = new CountTable();
        foreach (var (key, total) in totals)
        {
            table.Add(Encoding.Latin1.GetBytes(key), total);
        }

        return table;
    }

    // Four threads whatever the machine, so the parallel paths run on a 2-core CI machine too.
    private static CountResult Result(Dictionary<string, long> totals, int threads = 4) => new([Table(totals)], [], TimeSpan.Zero, threads);

    private static byte[] ReferenceTsv(Dictionary<string, long> totals)
    {
        var text = new StringBuilder();
        foreach (var (key, total) in totals.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('\t').Append(total.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return Encoding.Latin1.GetBytes(text.ToString());
    }

    /// <summary>A test format: a header, then <c>HEXKEY,total LF</c> rows, then a footer.</summary>
    private sealed class HexRowFormat : RowFormat
    {
        public static readonly HexRowFormat Instance = new();

        public override int MaxRowOverhead => 22;

        public override int MaxBytesPerKeyByte => 2;

        public override void WriteHeader(IBufferWriter<byte> writer) => writer.Write("key,total\n"u8);

        public override void WriteFooter(IBufferWriter<byte> writer) => writer.Write("end\n"u8);

        public override int WriteRow(Span<byte> destination, ReadOnlySpan<byte> key, long total)
        {
            int used = Encoding.ASCII.GetBytes(Convert.ToHexString(key), destination);
            destination[used++] = (byte)',';
            Assert.True(total.TryFormat(destination[used..], out int written, provider: CultureInfo.InvariantCulture));
            used += written;
            destination[used++] = (byte)'\n';
            return used;
        }
    }

    /// <summary>A sink that throws on its n-th write (1-based), or cancels a token at its first.</summary>
    private sealed class FailingStream(int failOnWrite, CancellationTokenSource? cancel) : MemoryStream
    {
        public int Writes { get; private set; }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            if (Writes == failOnWrite)
            {
                throw new IOException("disk full");
            }

            if (cancel is not null)
            {
                await cancel.CancelAsync();
            }

            await base.WriteAsync(buffer, cancellationToken);
        }
    }
}
