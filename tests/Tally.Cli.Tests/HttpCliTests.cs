using Tally.Testing;
using Tally.Tests.Http;

namespace Tally.Cli.Tests;

/// <summary><c>tally count URL...</c> and <c>tally fetch</c> as real processes, against a Kestrel server on loopback that fails on demand.</summary>
public sealed class HttpCliTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);
    private static readonly Dictionary<string, string> s_fastRetries = new() { ["TALLY_HTTP_RETRY_DELAY_MS"] = "1" };
    private readonly CliRunner _folder = new();
    private FaultServer _server = null!;

    public async Task InitializeAsync() => _server = await FaultServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _folder.Dispose();

    private sealed record Ran(int ExitCode, string[] OutputLines, string[] ErrorLines)
    {
        public string Error => string.Join('\n', ErrorLines);
    }

    private static async Task<Ran> RunAsync(string folder, params string[] args)
    {
        using var process = TallyProcess.Start(folder, s_fastRetries, args);
        int code = await process.WaitForExitAsync(s_timeout);
        return new Ran(code, process.OutputLines, process.ErrorLines);
    }

    /// <summary>Three gzip files, on disk and on the server with the given faults.</summary>
    private (string[] Paths, string[] Urls) Serve(params Fault[] faults)
    {
        var paths = new List<string>();
        var urls = new List<string>();
        for (int i = 0; i < faults.Length; i++)
        {
            byte[] gz = RandomNgrams.Gzip(RandomNgrams.Rows(900 + i, 20000), members: 2);
            string path = _folder.PathOf($"f{i}.gz");
            File.WriteAllBytes(path, gz);
            paths.Add(path);
            urls.Add(_server.Add($"/data/f{i}.gz", gz, faults[i] with { DropAt = [.. faults[i].DropAt.Select(d => d < 0 ? gz.Length / -d : d)] }));
        }

        return ([.. paths], [.. urls]);
    }

    [Theory]
    [InlineData("threads")]
    [InlineData("processes")]
    public async Task Count_OfUrls_WithFaults_EqualsCountOfTheFilesOnDisk(string executor)
    {
        var (paths, urls) = Serve(new Fault { DropAt = [-3, -2] }, new Fault { FailFirst = 2 }, new Fault { FailFirst = 1, FailStatus = 429, RetryAfterSeconds = 0 });
        string fromDisk = _folder.PathOf("disk.tsv");
        string fromWeb = _folder.PathOf("web.tsv");

        var disk = await RunAsync(_folder.Folder, ["count", .. paths, "-o", fromDisk, "-q"]);
        var web = await RunAsync(_folder.Folder, ["count", .. urls, "-o", fromWeb, "-q", "--executor", executor, "--workers", "2", "--downloads", "2"]);

        Assert.Equal(0, disk.ExitCode);
        Assert.True(web.ExitCode == 0, web.Error);
        Assert.Equal(await File.ReadAllBytesAsync(fromDisk), await File.ReadAllBytesAsync(fromWeb));
    }

    [Fact]
    public async Task Count_OfAMissingUrl_ExitsThree_WithOneLineNamingIt()
    {
        var (_, urls) = Serve(new Fault());
        string missing = _server.Url("/data/missing.gz");

        var process = await RunAsync(_folder.Folder, "count", urls[0], missing, "-q");

        Assert.Equal(3, process.ExitCode);
        Assert.Equal([$"tally: {missing}: HTTP 404 Not Found"], process.ErrorLines);
    }

    [Fact]
    public async Task Count_SkipBadFiles_LeavesTheBrokenUrlOut_AndSaysSo()
    {
        var (paths, urls) = Serve(new Fault(), new Fault { IgnoreRange = true, DropAt = [-2] });

        var disk = await RunAsync(_folder.Folder, "count", paths[0], "--top", "5", "-q");
        var web = await RunAsync(_folder.Folder, "count", urls[0], urls[1], "--top", "5", "-q", "--skip-bad-files");

        Assert.Equal(0, web.ExitCode);
        Assert.Equal(disk.OutputLines, web.OutputLines);
        Assert.Contains(web.ErrorLines, l => l.Contains(urls[1], StringComparison.Ordinal) && l.Contains("ignores Range", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Count_OfACorpus_FromTheCatalogue_AtABaseUrl()
    {
        byte[] a = RandomNgrams.Rows(1, 500);
        byte[] b = RandomNgrams.Rows(2, 500);
        string[] shards = [.. Enumerable.Range(0, 24).Select(i => $"/mirror/20200217/eng/1-{i:00000}-of-00024.gz")];
        for (int i = 0; i < shards.Length; i++)
        {
            _server.Add(shards[i], RandomNgrams.Gzip(i % 2 == 0 ? a : b));
        }

        var process = await RunAsync(_folder.Folder, "count", "--corpus", "eng-1gram-2020", "--base-url", _server.Url("/mirror/"), "--word", "w1", "-q");

        Assert.True(process.ExitCode == 0, process.Error);
        long expected = 12 * (ReferenceCount.Count([a]).GetValueOrDefault("w1") + ReferenceCount.Count([b]).GetValueOrDefault("w1"));
        Assert.Equal([$"w1\t{expected}"], process.OutputLines);
    }

    [Fact]
    public async Task Fetch_KilledMidDownload_ThenRunAgain_EndsByteIdentical()
    {
        byte[] gz = RandomNgrams.Gzip(RandomNgrams.Rows(77, 20000));
        string url = _server.Add("/slow/big.gz", gz, new Fault { TrickleBytes = 4096, TrickleDelay = TimeSpan.FromMilliseconds(5) });
        string to = _folder.PathOf("downloads");
        string part = Path.Combine(to, "big.gz.part");

        using (var first = TallyProcess.Start(_folder.Folder, s_fastRetries, "fetch", url, "--to", to))
        {
            await TallyProcess.PollAsync(() => File.Exists(part) && new FileInfo(part).Length > 16384, s_timeout, () => first.Error);
            first.KillHard();
            await first.WaitForExitAsync(s_timeout);
        }

        long kept = new FileInfo(part).Length;
        Assert.InRange(kept, 16385, gz.Length - 1);
        var second = await RunAsync(_folder.Folder, "fetch", url, "--to", to);

        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Equal(gz, await File.ReadAllBytesAsync(Path.Combine(to, "big.gz")));
        Assert.False(File.Exists(part));
        Assert.Contains(second.ErrorLines, l => l.Contains("resumed at", StringComparison.Ordinal) && l.Contains("MD5 checked", StringComparison.Ordinal));
        Assert.Contains(_server.Requests("/slow/big.gz"), r => r == $"GET bytes={kept}-");

        var third = await RunAsync(_folder.Folder, "fetch", url, "--to", to);
        Assert.Equal(0, third.ExitCode);
        Assert.Contains(third.ErrorLines, l => l.Contains("already complete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fetch_OfAMissingUrl_KeepsTheOthers_AndExitsThree()
    {
        byte[] gz = RandomNgrams.Gzip(RandomNgrams.Rows(5, 100));
        string good = _server.Add("/ok/a.gz", gz);
        string missing = _server.Url("/ok/missing.gz");
        string to = _folder.PathOf("got");

        var process = await RunAsync(_folder.Folder, "fetch", good, missing, "--to", to, "--downloads", "2");

        Assert.Equal(3, process.ExitCode);
        Assert.Equal(gz, await File.ReadAllBytesAsync(Path.Combine(to, "a.gz")));
        Assert.Contains($"tally: {missing}: HTTP 404 Not Found", process.ErrorLines);
        Assert.False(File.Exists(Path.Combine(to, "missing.gz")));
    }

    [Fact]
    public async Task CorpusList_NamesBothReleases()
    {
        var process = await RunAsync(_folder.Folder, "corpus", "list");

        Assert.Equal(0, process.ExitCode);
        Assert.Contains(process.OutputLines, l => l.StartsWith("eng-1gram-2012\tv2 20120701\teng\t1-grams\t39 files", StringComparison.Ordinal));
        Assert.Contains(process.OutputLines, l => l.StartsWith("eng-5gram-2020\tv3 20200217\teng\t5-grams\t19423 files", StringComparison.Ordinal));
        Assert.Contains(process.OutputLines, l => l.StartsWith("eng-2gram-2012\tv2 20120701\teng\t2-grams\t724 files", StringComparison.Ordinal));
        Assert.Contains(process.OutputLines, l => l.StartsWith("fre-3gram-2020\tv3 20200217\tfre\t3-grams\t1197 files", StringComparison.Ordinal));
    }
}
