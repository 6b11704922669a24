namespace Tally.Cli.Tests;

/// <summary><c>tally count</c> end to end: inputs, results, files and exit codes.</summary>
public sealed class CountCommandTests : IDisposable
{
    private const string FileA = "Aardvark\t1900\t5\t1\nAardvark\t1901\t7\t2\nabc\t1900\t3000000000\t1\nabc\t2000\t3000000000\t1\nzed\t1999\t1\t1\n";
    private const string FileB = "Aardvark\t2000\t10\t1\r\nbee\t1900\t2\t1\r\nzed\t1999\t4\t1";

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Word_PrintsExactTotalsAndZeroWhenAbsent()
    {
        string a = _cli.Write("a.tsv", FileA);
        string b = _cli.Write("b.gz", FileB, gzip: true);

        var run = await _cli.RunAsync(["count", a, b, "--word", "Aardvark", "--word", "abc", "--word", "missing"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Aardvark\t22", "abc\t6000000000", "missing\t0"], run.OutLines);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Top_PrintsLargestFirst_TiesInByteOrder()
    {
        string a = _cli.Write("a.tsv", FileA);
        string b = _cli.Write("b.tsv", FileB);

        var run = await _cli.RunAsync(["count", a, b, "--top", "3"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["abc\t6000000000", "Aardvark\t22", "zed\t5"], run.OutLines);
    }

    [Fact]
    public async Task NoQuery_PrintsShortTopList()
    {
        string a = _cli.Write("a.tsv", FileA);

        var run = await _cli.RunAsync(["count", a]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.OutLines.Length);
    }

    [Fact]
    public async Task Output_WritesEveryNgramSortedByBytes()
    {
        string a = _cli.Write("a.tsv", FileA);
        string b = _cli.Write("b.tsv", FileB);
        string output = _cli.PathOf("out/result.tsv");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);

        var run = await _cli.RunAsync(["count", a, b, "-o", output]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal("Aardvark\t22\nabc\t6000000000\nbee\t2\nzed\t5\n", await File.ReadAllTextAsync(output));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(output)!));
    }

    [Fact]
    public async Task Output_IsIdenticalForAnyThreadCountAndBlockSize()
    {
        var lines = Enumerable.Range(0, 3000).Select(i => $"w{i % 211}\t{1800 + (i % 50)}\t{(i * 7919) % 100000}\t1\n");
        string a = _cli.Write("big.tsv", string.Concat(lines));
        string one = _cli.PathOf("one.tsv");
        string many = _cli.PathOf("many.tsv");

        var first = await _cli.RunAsync(["count", a, "-o", one, "--threads", "1"]);
        var second = await _cli.RunAsync(["count", a, "-o", many, "--threads", "3", "--block-size", "40"]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(one), await File.ReadAllBytesAsync(many));
    }

    [Fact]
    public async Task Directory_CountsEveryFileInIt()
    {
        _cli.Write("data/a.tsv", FileA);
        _cli.Write("data/b.gz", FileB, gzip: true);

        var run = await _cli.RunAsync(["count", _cli.PathOf("data"), "-w", "zed"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["zed\t5"], run.OutLines);
    }

    [Fact]
    public async Task Glob_CountsMatchingFilesOnly()
    {
        _cli.Write("data/googlebooks-a.gz", FileA, gzip: true);
        _cli.Write("data/googlebooks-b.gz", FileB, gzip: true);
        _cli.Write("data/notes.txt", "not ngram data");

        var run = await _cli.RunAsync(["count", _cli.PathOf("data/googlebooks-*.gz"), "-w", "Aardvark"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Aardvark\t22"], run.OutLines);
    }

    [Fact]
    public async Task StandardInput_IsReadForDash()
    {
        var run = await _cli.RunAsync(["count", "-", "-w", "abc"], stdin: FileA);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["abc\t6000000000"], run.OutLines);
    }

    [Fact]
    public async Task MalformedRow_ExitsOneWithPathAndLine_AndWritesNoOutput()
    {
        string a = _cli.Write("a.tsv", FileA);
        string bad = _cli.Write("bad.tsv", "ok\t1\t1\t1\nok\t2\t-5\t1\n");
        string output = _cli.PathOf("out.tsv");

        var run = await _cli.RunAsync(["count", a, bad, "-o", output]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"tally: {bad}:2: column 3 (match_count): \"-5\" is not a non-negative integer\n", run.Error);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_cli.Folder, "*.tmp"));
    }

    [Fact]
    public async Task MissingInput_ExitsThree_BeforeAnyWork()
    {
        string a = _cli.Write("a.tsv", FileA);

        var run = await _cli.RunAsync(["count", a, _cli.PathOf("missing.gz")]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("missing.gz: no such file", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task GlobMatchingNothing_ExitsThree()
    {
        var run = await _cli.RunAsync(["count", _cli.PathOf("*.gz")]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("no files match", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyFolder_ExitsThree()
    {
        Directory.CreateDirectory(_cli.PathOf("empty"));

        var run = await _cli.RunAsync(["count", _cli.PathOf("empty")]);

        Assert.Equal(3, run.ExitCode);
    }

    [Theory]
    [InlineData("--threads", "0")]
    [InlineData("--top", "-1")]
    [InlineData("--bogus", "x")]
    [InlineData("--threads", "many")]
    public async Task BadOption_ExitsTwo(string option, string value)
    {
        string a = _cli.Write("a.tsv", FileA);

        var run = await _cli.RunAsync(["count", a, option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("tally: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoInput_ExitsTwo()
    {
        var run = await _cli.RunAsync(["count"]);

        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Verbose_WithoutTerminal_PrintsTheInflater_ThenOneLinePerFinishedInput()
    {
        string a = _cli.Write("a.tsv", FileA);
        string b = _cli.Write("b.tsv", FileB);

        var run = await _cli.RunAsync(["count", a, b, "--verbose", "-w", "zed"]);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("tally: gzip inflate: ", lines[0], StringComparison.Ordinal);
        Assert.All(lines[1..3], l => Assert.StartsWith("tally: done ", l, StringComparison.Ordinal));
        Assert.StartsWith("tally: counted 8 rows (4 ngrams) from 2 inputs, ", lines[3], StringComparison.Ordinal);
        Assert.EndsWith(" rows/s", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quiet_WithoutTerminal_PrintsNothingButResults()
    {
        string a = _cli.Write("a.tsv", FileA);

        var run = await _cli.RunAsync(["count", a, "--quiet", "-w", "zed"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Cancelled_ExitsOneThirty_AndWritesNoOutput()
    {
        string a = _cli.Write("a.tsv", FileA);
        string output = _cli.PathOf("out.tsv");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var run = await _cli.RunAsync(["count", a, "-o", output], cancellationToken: cancelled.Token);

        Assert.Equal(130, run.ExitCode);
        Assert.False(File.Exists(output));
    }
}
