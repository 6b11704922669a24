using System.Text;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary><see cref="BrokenSourcePolicy.Skip"/>: a file that cannot be read to its end is left out entirely, and the job finishes.</summary>
public sealed class BrokenSourceTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    private static CountOptions SkippingFiles(int workers, int blockSize, MalformedRowPolicy rows = MalformedRowPolicy.Fail)
        => ReferenceEquivalenceTests.Pipeline(workers, blockSize) with { BrokenSources = BrokenSourcePolicy.Skip, MalformedRows = rows };

    /// <summary>A gzip file whose first rows are of ngrams no other file has, cut short near its end.</summary>
    private static byte[] TruncatedWithMarkers(int seed)
    {
        byte[] rows = [.. "only-in-broken\t1900\t1000\t1\nonly-in-broken\t1901\t1000\t1\n"u8, .. RandomNgrams.Rows(seed, 2000)];
        return RandomNgrams.Gzip(rows)[..^100];
    }

    public static TheoryData<int, int> Configurations() => new()
    {
        { 1, 16 },
        { 2, 64 },
        { 3, 16 },
        { 8, 1024 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task SkipFiles_TruncatedGzip_IsLeftOutEntirely_EvenRowsReadBeforeTheDamage(int workers, int blockSize)
    {
        var good = Enumerable.Range(0, 3).Select(i => RandomNgrams.Rows(300 + i, 300)).ToArray();
        var sources = new[]
        {
            DataSource.FromStream("good0", new MemoryStream(good[0])),
            DataSource.FromStream("broken.gz", new MemoryStream(TruncatedWithMarkers(5))),
            DataSource.FromStream("good1.gz", new MemoryStream(RandomNgrams.Gzip(good[1]))),
            DataSource.FromStream("good2", new MemoryStream(good[2])),
        };
        var job = CountJob.Start(sources, SkippingFiles(workers, blockSize));
        var seen = new List<SourceCompletion>();
        await foreach (var done in job.Completions)
        {
            seen.Add(done);
        }

        var result = await job.Result.WaitAsync(s_guard);

        Assert.Equal(ReferenceCount.Count(good), ReferenceCount.FromResult(result));
        Assert.Equal(0, result.GetTotal("only-in-broken"));
        Assert.Equal(good.Sum(f => ReferenceRows.Lines(f).Count), result.Rows);
        var left = Assert.Single(result.LeftOut);
        Assert.Equal("broken.gz", left.Name);
        Assert.StartsWith("broken.gz: truncated gzip: the data ends inside a member at compressed byte ", left.Error!.Message, StringComparison.Ordinal);
        Assert.Contains(seen, c => c.Name == "broken.gz" && c.IsLeftOut);
        Assert.Equal(4, seen.Count);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task SkipFiles_ManyBrokenFilesWithBlocksInFlight_FinishWithoutDeadlock(int workers, int blockSize)
    {
        // Every other file breaks at a different point, many blocks of each still queued when its
        // reader fails: each must still reach the merger (its hold count at zero) and be dropped.
        var good = new List<byte[]>();
        var sources = new List<DataSource>();
        for (int i = 0; i < 12; i++)
        {
            var rows = RandomNgrams.Rows(400 + i, 200 + (i * 30));
            if (i % 2 == 0)
            {
                var gzip = RandomNgrams.Gzip(rows);
                sources.Add(DataSource.FromStream($"broken{i}.gz", new MemoryStream(gzip[..(gzip.Length * (i + 1) / 14)])));
            }
            else
            {
                good.Add(rows);
                sources.Add(DataSource.FromStream($"good{i}", new MemoryStream(rows)));
            }
        }

        var result = await CountJob.Start(sources, SkippingFiles(workers, blockSize)).Result.WaitAsync(s_guard);

        Assert.Equal(ReferenceCount.Count(good), ReferenceCount.FromResult(result));
        Assert.Equal(6, result.LeftOut.Count);
        Assert.Equal(12, result.Sources.Count);
    }

    [Fact]
    public async Task SkipFiles_CorruptGzip_IsLeftOut_OnTheSerialPathToo()
    {
        var good = RandomNgrams.Rows(11, 100);
        var corrupt = RandomNgrams.Gzip(RandomNgrams.Rows(12, 500));
        for (int i = 60; i < 80; i++)
        {
            corrupt[i] ^= 0x5A;
        }

        var sources = new[] { DataSource.FromStream("bad.gz", new MemoryStream(corrupt)), DataSource.FromStream("good", new MemoryStream(good)) };
        var result = await CountJob.Start(sources, SkippingFiles(2, 64) with { SerialThresholdBytes = long.MaxValue, MalformedRows = MalformedRowPolicy.Skip });

        Assert.Equal(ReferenceCount.Count([good]), ReferenceCount.FromResult(result));
        Assert.Equal("bad.gz", Assert.Single(result.LeftOut).Name);
        Assert.Equal(0, result.SkippedRows);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 32)]
    public async Task SkipFiles_MalformedRowBeforeTheDamage_DoesNotFailTheJob(int workers, int blockSize)
    {
        // Rows inflated before zlib notices the damage can be garbage; with broken files skipped,
        // a malformed one must wait for the reader's verdict rather than fail the job at once.
        var rows = Encoding.UTF8.GetBytes("a\t1\t1\t1\nthis is not a row\nb\t1\t1\t1\n" + string.Concat(Enumerable.Repeat("c\t1\t1\t1\n", 200)));
        var cut = RandomNgrams.Gzip(rows)[..^8];
        var sources = new[] { DataSource.FromStream("cut.gz", new MemoryStream(cut)), DataSource.FromStream("good", new MemoryStream("a\t1\t5\t1\n"u8.ToArray())) };

        var result = await CountJob.Start(sources, SkippingFiles(workers, blockSize)).Result.WaitAsync(s_guard);

        Assert.Equal(5, result.GetTotal("a"));
        Assert.Equal("cut.gz", Assert.Single(result.LeftOut).Name);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 32)]
    public async Task SkipFiles_MalformedRowInAnIntactFile_StillFailsTheJob(int workers, int blockSize)
    {
        var rows = Encoding.UTF8.GetBytes("a\t1\t1\t1\nthis is not a row\n" + string.Concat(Enumerable.Repeat("c\t1\t1\t1\n", 200)));
        var sources = new[] { DataSource.FromStream("whole.gz", new MemoryStream(RandomNgrams.Gzip(rows))) };

        var error = await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start(sources, SkippingFiles(workers, blockSize)).Result.WaitAsync(s_guard));

        Assert.Equal("whole.gz:2: expected 4 TAB-separated columns, found 1", error.Message);
    }

    [Fact]
    public async Task SkipFiles_AndSkipRows_RejectsOfALeftOutFileAreDropped()
    {
        using var folder = new TempFolder();
        string rejects = Path.Combine(folder.Path, "rejects.tsv");
        var bad = "bad row\na\t1\t1\t1\n"u8.ToArray();
        var sources = new[]
        {
            DataSource.FromStream("kept", new MemoryStream(bad)),
            DataSource.FromStream("cut.gz", new MemoryStream(RandomNgrams.Gzip([.. bad, .. RandomNgrams.Rows(3, 300)])[..^30])),
        };
        var options = SkippingFiles(2, 16, MalformedRowPolicy.Skip) with { RejectsPath = rejects };

        var result = await CountJob.Start(sources, options).Result.WaitAsync(s_guard);

        Assert.Equal("kept\t1\texpected 4 TAB-separated columns, found 1\tbad row\n", await File.ReadAllTextAsync(rejects));
        Assert.Equal(1, result.SkippedRows);
        Assert.Equal(1, result.GetTotal("a"));
    }

    [Fact]
    public async Task FailFiles_TruncatedGzip_FailsTheJob()
    {
        var sources = new[] { DataSource.FromStream("cut.gz", new MemoryStream(TruncatedWithMarkers(6))) };

        var error = await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start(sources, ReferenceEquivalenceTests.Pipeline(2, 64)).Result);

        Assert.StartsWith("cut.gz: truncated gzip", error.Message, StringComparison.Ordinal);
    }
}
