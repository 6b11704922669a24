using System.IO.Compression;
using System.Text;

namespace Tally.Cli.Tests;

/// <summary>Malformed rows, broken and unreadable inputs, line limits and checkpoints, through <c>tally count</c>.</summary>
public sealed class BadInputTests : IDisposable
{
    private const string Good = "Aardvark\t1900\t5\t1\nabc\t1900\t7\t1\n";

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Lines(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    private string GzipFile(string name, string text, int cutBytes = 0)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        string path = _cli.PathOf(name);
        File.WriteAllBytes(path, output.ToArray()[..^cutBytes]);
        return path;
    }

    private static string ManyRows(string key, int rows)
        => string.Concat(Enumerable.Range(0, rows).Select(i => $"{key}{i % 50}\t{1800 + (i % 200)}\t{i + 1}\t1\n"));

    [Fact]
    public async Task SkipBad_ReportsCountAndExamplesPerFile_TotalsOfValidRows_ExitsZero()
    {
        string bad = _cli.Write("bad.tsv", Lines("Aardvark\t1900\t5\t1", "Aardvark\t1901\t-5\t1", "", "Aardvark\t1902\t7"));
        string good = _cli.Write("good.tsv", Good);

        var run = await _cli.RunAsync(["count", bad, good, "--skip-bad", "-w", "Aardvark"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Aardvark\t10"], run.OutLines);
        Assert.Equal(
            $"tally: skipped 3 malformed rows in {bad}:\n" +
            $"  {bad}:2: column 3 (match_count): \"-5\" is not a non-negative integer\n" +
            $"  {bad}:3: empty line\n" +
            $"  {bad}:4: expected 4 TAB-separated columns, found 3\n",
            run.Error);
    }

    [Fact]
    public async Task SkipBad_ManyBadRows_ShowsTheFirstFive()
    {
        string bad = _cli.Write("bad.tsv", string.Concat(Enumerable.Range(1, 40).Select(i => i % 4 == 0 ? $"bad {i}\n" : $"w\t1\t{i}\t1\n")));

        var run = await _cli.RunAsync(["count", bad, "--skip-bad", "-w", "w", "--block-size", "64", "--threads", "3"]);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"tally: skipped 10 malformed rows in {bad}, the first 5:", lines[0]);
        Assert.Equal([4, 8, 12, 16, 20], lines[1..].Select(l => int.Parse(l.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Rejects_WritesEverySkippedRowWithPathAndLine()
    {
        string bad = _cli.Write("bad.tsv", Lines("x\t1\t1\t1", "x\t1\tnope\t1", "x\t1\t1\t1\t1") + "x\t1\t2\t1\r\n\r\n");
        string rejects = _cli.PathOf("rejects.tsv");

        var run = await _cli.RunAsync(["count", bad, "--skip-bad", "--rejects", rejects, "-w", "x"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["x\t3"], run.OutLines);
        Assert.Equal(
            $"{bad}\t2\tcolumn 3 (match_count): \"nope\" is not a non-negative integer\tx\t1\tnope\t1\n" +
            $"{bad}\t3\texpected 4 TAB-separated columns, found 5\tx\t1\t1\t1\t1\n" +
            $"{bad}\t5\tempty line\t\n",
            await File.ReadAllTextAsync(rejects));
        Assert.EndsWith($"tally: every skipped row is in {rejects}\n", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_WithoutSkipBad_ExitsTwo()
    {
        string good = _cli.Write("good.tsv", Good);

        var run = await _cli.RunAsync(["count", good, "--rejects", _cli.PathOf("r.tsv")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--rejects needs malformed rows to be skipped", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_InAMissingFolder_ExitsThree_BeforeAnyWork()
    {
        string good = _cli.Write("good.tsv", Good);

        var run = await _cli.RunAsync(["count", good, "--skip-bad", "--rejects", _cli.PathOf("no/such/folder/r.tsv")]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedGzip_ExitsOne_NamingTheFileAndTheCompressedOffset_WritesNoOutput()
    {
        string cut = GzipFile("cut.gz", ManyRows("w", 2000), cutBytes: 50);
        string output = _cli.PathOf("out.tsv");

        var run = await _cli.RunAsync(["count", cut, "-o", output]);

        Assert.Equal(1, run.ExitCode);
        Assert.Matches($"^tally: {System.Text.RegularExpressions.Regex.Escape(cut)}: truncated gzip: the data ends inside a member at compressed byte [0-9,]+\n$", run.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task CorruptGzip_ExitsOne_NamingTheFileAndTheCompressedOffset()
    {
        string path = GzipFile("bad.gz", ManyRows("w", 2000));
        var bytes = await File.ReadAllBytesAsync(path);
        for (int i = 200; i < 230; i++)
        {
            bytes[i] ^= 0x55;
        }

        await File.WriteAllBytesAsync(path, bytes);

        var run = await _cli.RunAsync(["count", path, "--skip-bad"]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"tally: {path}: corrupt gzip data at compressed byte ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SkipBadFiles_LeavesOutTheBrokenFileEntirely_AndListsIt_ExitsZero()
    {
        string good = _cli.Write("good.tsv", Good);
        string cut = GzipFile("cut.gz", "Aardvark\t1800\t1000\t1\n" + ManyRows("w", 3000), cutBytes: 30);
        string output = _cli.PathOf("out.tsv");

        var run = await _cli.RunAsync(["count", cut, good, "--skip-bad-files", "-o", output, "--block-size", "256"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("Aardvark\t5\nabc\t7\n", await File.ReadAllTextAsync(output));
        Assert.StartsWith($"tally: left out {cut}: truncated gzip: the data ends inside a member at compressed byte ", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task SkipBadFiles_Verbose_MarksTheInputLeftOut_AndGivesTheReasonOnce()
    {
        string good = _cli.Write("good.tsv", Good);
        string cut = GzipFile("cut.gz", ManyRows("w", 3000), cutBytes: 30);

        var run = await _cli.RunAsync(["count", good, cut, "--skip-bad-files", "--verbose", "-w", "abc"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["abc\t7"], run.OutLines);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"tally: done {cut}: left out", lines);
        Assert.Single(lines, l => l.StartsWith($"tally: left out {cut}: ", StringComparison.Ordinal));
        Assert.StartsWith($"tally: left out {cut}: truncated gzip", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingFile_AmongGoodOnes_ExitsThree_BeforeAnyWork()
    {
        string good = _cli.Write("good.tsv", Good);
        string output = _cli.PathOf("out.tsv");

        var run = await _cli.RunAsync(["count", good, _cli.PathOf("missing.tsv"), "-o", output]);

        Assert.Equal(3, run.ExitCode);
        Assert.Equal($"tally: {_cli.PathOf("missing.tsv")}: no such file\n", run.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task FolderOfHiddenFilesOnly_ExitsThree()
    {
        _cli.Write("data/.hidden", Good);

        var run = await _cli.RunAsync(["count", _cli.PathOf("data")]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("the folder holds no files", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileUsedAsAFolder_ExitsThree()
    {
        string good = _cli.Write("good.tsv", Good);

        var run = await _cli.RunAsync(["count", Path.Combine(good, "x.tsv")]);

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith("tally: ", run.Error, StringComparison.Ordinal);
    }

    [UnreadableFileFact]
    public async Task UnreadableFile_ExitsThree_BeforeAnyWork()
    {
        string good = _cli.Write("good.tsv", Good);
        string unreadable = UnreadableFileFactAttribute.Create(_cli.Folder);

        var run = await _cli.RunAsync(["count", good, unreadable]);

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith($"tally: {unreadable}: cannot be read: ", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task LineOverMaxLineLength_ExitsOne_WithTheLimit()
    {
        string path = _cli.Write("long.tsv", Lines("a\t1\t1\t1", new string('x', 500) + "\t1\t1\t1"));

        var run = await _cli.RunAsync(["count", path, "--max-line-length", "100", "--block-size", "64"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"tally: {path}:2: line is longer than the limit of 100 bytes\n", run.Error);
    }

    [Fact]
    public async Task LineWithinMaxLineLength_IsCounted()
    {
        string key = new('x', 90);
        string path = _cli.Write("long.tsv", Lines("a\t1\t1\t1", key + "\t1\t1\t1"));

        var run = await _cli.RunAsync(["count", path, "--max-line-length", "100", "--block-size", "16", "-w", key]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal([$"{key}\t1"], run.OutLines);
    }

    [Theory]
    [InlineData("100")]
    [InlineData("2000000000")]
    public async Task MaxLineLength_BelowTheBlockOrAboveTheCeiling_ExitsTwo(string limit)
    {
        string good = _cli.Write("good.tsv", Good);

        var run = await _cli.RunAsync(["count", good, "--max-line-length", limit]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--max-line-length must be between", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TotalPast63Bits_ExitsOne_NamingTheNgram()
    {
        string a = _cli.Write("a.tsv", Lines("big\t1\t9223372036854775000\t1"));
        string b = _cli.Write("b.tsv", Lines("big\t2\t1000\t1"));

        var run = await _cli.RunAsync(["count", a, b]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("the total of \"big\" passes 2^63-1", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_Rerun_ResumesEveryFile_SameOutput_AndSaysSoWithVerbose()
    {
        string a = GzipFile("a.gz", ManyRows("a", 500));
        string b = _cli.Write("b.tsv", ManyRows("b", 300));
        string checkpoints = _cli.PathOf("checkpoints");
        string first = _cli.PathOf("first.tsv");
        string second = _cli.PathOf("second.tsv");

        var run1 = await _cli.RunAsync(["count", a, b, "--checkpoint", checkpoints, "-o", first]);
        var run2 = await _cli.RunAsync(["count", a, b, "--checkpoint", checkpoints, "-o", second, "--verbose"]);

        Assert.Equal(0, run1.ExitCode);
        Assert.Equal(0, run2.ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(first), await File.ReadAllBytesAsync(second));
        Assert.Equal(2, Directory.GetFiles(checkpoints).Length);
        var lines = run2.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("tally: done ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.EndsWith("(resumed from its checkpoint)", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Checkpoint_Damaged_IsCountedAgain_AndVerboseSaysWhy()
    {
        string a = _cli.Write("a.tsv", ManyRows("a", 300));
        string checkpoints = _cli.PathOf("checkpoints");
        await _cli.RunAsync(["count", a, "--checkpoint", checkpoints, "-o", _cli.PathOf("first.tsv")]);
        string checkpoint = Directory.GetFiles(checkpoints).Single();
        var bytes = await File.ReadAllBytesAsync(checkpoint);
        bytes[^10] ^= 1;
        await File.WriteAllBytesAsync(checkpoint, bytes);

        var run = await _cli.RunAsync(["count", a, "--checkpoint", checkpoints, "-o", _cli.PathOf("second.tsv"), "--verbose"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("(its checkpoint is damaged (Tally table checksum mismatch); counted again)\n", run.Error, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(_cli.PathOf("first.tsv")), await File.ReadAllBytesAsync(_cli.PathOf("second.tsv")));
    }

    [Fact]
    public async Task Checkpoint_StandardInput_IsNotCheckpointed_AndSaysSo()
    {
        string checkpoints = _cli.PathOf("checkpoints");

        var run = await _cli.RunAsync(["count", "-", "--checkpoint", checkpoints, "-w", "abc"], stdin: Good);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["abc\t7"], run.OutLines);
        Assert.Equal("tally: <stdin> is read once, so it cannot be checkpointed; it is read in full on every run\n", run.Error);
        Assert.Empty(Directory.GetFiles(checkpoints));
    }

    [Fact]
    public async Task Checkpoint_PathIsAFile_ExitsTwo()
    {
        string good = _cli.Write("good.tsv", Good);

        var run = await _cli.RunAsync(["count", good, "--checkpoint", good]);

        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Cancelled_SaysHowFarItGot_AndLeavesAnExistingOutputUntouched()
    {
        string good = _cli.Write("good.tsv", Good);
        string output = _cli.Write("out.tsv", "previous result\n");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var run = await _cli.RunAsync(["count", good, "-o", output], cancellationToken: cancelled.Token);

        Assert.Equal(130, run.ExitCode);
        Assert.Equal("tally: cancelled after 0 rows of 1 inputs (0 finished); no output was written\n", run.Error);
        Assert.Equal("previous result\n", await File.ReadAllTextAsync(output));
    }
}
