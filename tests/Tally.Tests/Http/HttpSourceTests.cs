using System.Collections.Concurrent;
using Tally.Engine;
using Tally.Output;
using Tally.Sources;
using Tally.Sources.Http;
using Tally.Testing;

namespace Tally.Tests.Http;

/// <summary>
/// HTTP sources against a real server on loopback that fails on demand: every fault ends in the
/// totals of the same files counted from memory, or in one clear error naming the URL, never in a
/// silent partial count.
/// </summary>
public sealed class HttpSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);
    private readonly ConcurrentQueue<string> _notes = new();
    private FaultServer _server = null!;

    public async Task InitializeAsync() => _server = await FaultServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Backoff of milliseconds, so a retried fault costs nothing.</summary>
    private HttpSourceOptions Fast => new()
    {
        RetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        Retries = 4,
        Resumes = 4,
        Timeout = TimeSpan.FromSeconds(10),
        Note = _notes.Enqueue,
    };

    private static byte[][] Files(int count, int ngrams = 3000) => [.. Enumerable.Range(0, count).Select(i => RandomNgrams.Rows(700 + i, ngrams))];

    private static async Task<CountResult> CountAsync(IEnumerable<string> urls, HttpSourceOptions options, CountOptions? count = null)
    {
        using var kind = new HttpInputKind(options);
        var sources = new InputResolver([kind]).ResolveAll(urls);
        return await CountJob.Start(sources, count ?? ReferenceEquivalenceTests.Pipeline(2, 4096)).Result.WaitAsync(s_guard);
    }

    public static TheoryData<string> SurvivableFaults() => ["none", "drops", "503-then-200", "429-retry-after", "trickle", "stall", "etag-only-drops", "redirect-once"];

    private static Fault SurvivableFault(string name, int length) => name switch
    {
        "none" => new Fault(),
        "drops" => new Fault { DropAt = [1, 1000, length / 3, length / 2, length - 1] },
        "503-then-200" => new Fault { FailFirst = 2 },
        "429-retry-after" => new Fault { FailFirst = 1, FailStatus = 429, RetryAfterSeconds = 1 },
        "trickle" => new Fault { TrickleBytes = 997 },
        "stall" => new Fault { TrickleBytes = 8192, TrickleDelay = TimeSpan.FromMilliseconds(400) },
        "etag-only-drops" => new Fault { ETagOnly = true, DropAt = [length / 4, length / 2] },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(SurvivableFaults))]
    public async Task TransientFaults_EndInTheExactTotals(string fault)
    {
        var files = Files(3);
        var urls = new List<string>();
        for (int i = 0; i < files.Length; i++)
        {
            byte[] gz = RandomNgrams.Gzip(files[i], members: 2);
            if (fault == "redirect-once")
            {
                _server.Add($"/real{i}.gz", gz);
                urls.Add(_server.Add($"/f{i}.gz", [], new Fault { RedirectTo = $"/real{i}.gz" }));
            }
            else
            {
                urls.Add(_server.Add($"/f{i}.gz", gz, SurvivableFault(fault, gz.Length)));
            }
        }

        var options = fault == "stall" ? Fast with { Timeout = TimeSpan.FromMilliseconds(150), Resumes = 2 } : Fast;
        var result = await CountAsync(urls, options);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        Assert.Equal(files.Sum(f => Support.ReferenceRows.Lines(f).Count), result.Rows);
        Assert.Empty(result.LeftOut);
        if (fault == "429-retry-after")
        {
            // Retry-After (1 s) was honoured, up to the longest wait allowed (50 ms), not the 1 ms backoff.
            Assert.Contains(_notes, n => n.Contains("HTTP 429; retry 1 of 4 in 0.05 s", StringComparison.Ordinal));
        }

        if (fault is "drops" or "etag-only-drops")
        {
            Assert.Contains(_notes, n => n.Contains("; resuming", StringComparison.Ordinal));
            Assert.Contains(_server.Requests("/f0.gz"), r => r is not null && r.StartsWith("GET bytes=", StringComparison.Ordinal));
        }
    }

    public static TheoryData<string, string> PermanentFaults() => new()
    {
        { "404", "HTTP 404" },
        { "403", "HTTP 403" },
        { "redirect-loop", "HTTP 302 Found: redirected more than 10 times" },
        { "503-forever", "HTTP 503 Service Unavailable, still after 4 retries" },
        { "short-body", "the body is shorter than it was announced: it ends at byte |times in a row" },
        { "etag-changes", "the resource changed between attempts (\"v1\", now \"v2\")" },
        { "ignores-range", "the server ignores Range, so the download cannot go on from byte " },
        { "no-validators", "and the server gives no ETag or Last-Modified to resume it by" },
        { "drops-forever", "times in a row|Connection reset by peer" },
    };

    private static Fault PermanentFault(string name, int length) => name switch
    {
        "404" => new Fault { Status = 404 },
        "403" => new Fault { Status = 403 },
        "redirect-loop" => new Fault { RedirectLoop = true },
        "503-forever" => new Fault { FailFirst = int.MaxValue },
        "short-body" => new Fault { ShortBy = 100 },
        "etag-changes" => new Fault { ChangeETag = true, DropAt = [length / 2] },
        "ignores-range" => new Fault { IgnoreRange = true, DropAt = [length / 2] },
        "no-validators" => new Fault { NoValidators = true, DropAt = [length / 2] },
        "drops-forever" => new Fault { AlwaysDrop = true },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(PermanentFaults))]
    public async Task PermanentFaults_FailTheJob_WithOneLineNamingTheUrl(string fault, string message)
    {
        var files = Files(2);
        string good = _server.Add("/good.gz", RandomNgrams.Gzip(files[0]));
        byte[] gz = RandomNgrams.Gzip(files[1]);
        string bad = _server.Add("/bad.gz", gz, PermanentFault(fault, gz.Length));

        var e = await Assert.ThrowsAsync<TallyInputException>(() => CountAsync([good, bad], Fast));

        Assert.StartsWith($"{bad}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message.Split('|'), m => e.Message.Contains(m, StringComparison.Ordinal));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [MemberData(nameof(PermanentFaults))]
    public async Task PermanentFaults_UnderSkipBadFiles_LeaveTheSourceOut_AndCountTheRest(string fault, string message)
    {
        var files = Files(3);
        string[] good = [_server.Add("/a.gz", RandomNgrams.Gzip(files[0])), _server.Add("/b", files[1])];
        byte[] gz = RandomNgrams.Gzip(files[2]);
        string bad = _server.Add("/bad.gz", gz, PermanentFault(fault, gz.Length));

        var result = await CountAsync([good[0], bad, good[1]], Fast, ReferenceEquivalenceTests.Pipeline(2, 4096) with { BrokenSources = BrokenSourcePolicy.Skip });

        Assert.Equal(ReferenceCount.Count(files[..2]), ReferenceCount.FromResult(result));
        var left = Assert.Single(result.LeftOut);
        Assert.Equal(bad, left.Name);
        Assert.Contains(message.Split('|'), m => left.Error!.Message.Contains(m, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoServer_FailsAfterTheRetries_NamingTheUrl()
    {
        // A port that was free a moment ago: nothing listens there.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        string url = $"http://127.0.0.1:{port}/x.gz";
        var e = await Assert.ThrowsAsync<TallyInputException>(() => CountAsync([url], Fast with { Retries = 1 }));
        Assert.StartsWith($"{url}: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.org/a.gz")]
    [InlineData("file:///etc/hosts")]
    public void OtherSchemes_AreNotUrlsOfThisKind(string input)
    {
        using var kind = new HttpInputKind(Fast);
        Assert.False(kind.TryResolve(input, new InputContext(null), new List<DataSource>()));
    }

    [Fact]
    public async Task Checkpoint_IdentifiesTheUrlByETagAndLength_AndARerunResumes()
    {
        var files = Files(2);
        using var folder = new TempFolder();
        string[] urls = [_server.Add("/c0.gz", RandomNgrams.Gzip(files[0])), _server.Add("/c1.gz", RandomNgrams.Gzip(files[1]))];
        var options = ReferenceEquivalenceTests.Pipeline(2, 4096) with { CheckpointDirectory = folder.Path };

        var first = await CountAsync(urls, Fast, options);
        var job = CountJob.Start(new InputResolver([new HttpInputKind(Fast)]).ResolveAll(urls), options);
        var resumed = new List<SourceCompletion>();
        await foreach (var done in job.Completions)
        {
            resumed.Add(done);
        }

        var second = await job.Result.WaitAsync(s_guard);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(first));
        Assert.Equal(ReferenceCount.FromResult(first), ReferenceCount.FromResult(second));
        Assert.All(resumed, c => Assert.True(c.Resumed));
        var source = new HttpInputKind(Fast).Create(urls[0]);
        var identity = await source.IdentifyAsync(CancellationToken.None);
        Assert.Equal($"url:{urls[0]}", identity!.Key);
        Assert.StartsWith("etag=\"v1\";length=", identity.Version, StringComparison.Ordinal);
        Assert.Equal(source.Length, RandomNgrams.Gzip(files[0]).Length);
    }

    [Fact]
    public async Task Download_ResumesFromThePartFile_AndEndsByteIdentical()
    {
        using var folder = new TempFolder();
        byte[] gz = RandomNgrams.Gzip(Files(1, 5000)[0]);
        string url = _server.Add("/d.gz", gz, new Fault { DropAt = [gz.Length / 3] });
        string path = Path.Combine(folder.Path, "d.gz");

        // A first run that gives up at the drop leaves a .part file and its version.
        using (var fragile = new HttpInputKind(Fast with { Resumes = 0 }))
        {
            await Assert.ThrowsAsync<TallyInputException>(() => fragile.DownloadAsync(url, path, null, CancellationToken.None));
        }

        // The server cuts at a third; the bytes in flight then may be lost, so the .part holds up to a third.
        long part = new FileInfo(path + ".part").Length;
        Assert.InRange(part, 1, gz.Length / 3);
        Assert.False(File.Exists(path));

        using var kind = new HttpInputKind(Fast);
        var done = await kind.DownloadAsync(url, path, null, CancellationToken.None);

        Assert.Equal(gz, await File.ReadAllBytesAsync(path));
        Assert.Equal(part, done.ResumedFrom);
        Assert.True(done.Md5Checked);
        Assert.False(File.Exists(path + ".part"));
        Assert.True((await kind.DownloadAsync(url, path, null, CancellationToken.None)).Skipped);
    }

    [Fact]
    public async Task Download_WithAWrongMd5_IsAnError_AndLeavesNoFile()
    {
        using var folder = new TempFolder();
        byte[] gz = RandomNgrams.Gzip(Files(1)[0]);
        string url = _server.Add("/m.gz", gz, new Fault { Md5 = Convert.ToBase64String(new byte[16]) });
        string path = Path.Combine(folder.Path, "m.gz");
        using var kind = new HttpInputKind(Fast);

        var e = await Assert.ThrowsAsync<TallyInputException>(() => kind.DownloadAsync(url, path, null, CancellationToken.None));

        Assert.Contains("MD5", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".part"));
    }

    [Fact]
    public async Task Download_OfAChangedResource_StartsOver()
    {
        using var folder = new TempFolder();
        byte[] gz = RandomNgrams.Gzip(Files(1)[0]);
        string url = _server.Add("/v.gz", gz, new Fault { ChangeETag = true, DropAt = [gz.Length / 2] });
        string path = Path.Combine(folder.Path, "v.gz");
        using (var fragile = new HttpInputKind(Fast with { Resumes = 0 }))
        {
            await Assert.ThrowsAsync<TallyInputException>(() => fragile.DownloadAsync(url, path, null, CancellationToken.None));
        }

        using var kind = new HttpInputKind(Fast);
        var done = await kind.DownloadAsync(url, path, null, CancellationToken.None);

        Assert.Equal(0, done.ResumedFrom);
        Assert.Equal(gz, await File.ReadAllBytesAsync(path));
    }
}
