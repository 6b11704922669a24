using System.Diagnostics;

namespace Tally.Cli.Tests;

/// <summary>
/// Outputs never destroy anything, inputs are counted once, and reading never hangs: special files
/// (made here, in a temporary folder, never the machine's own /dev), links, and the same file by
/// two names, met as a user meets them.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileWorldTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private const string Rows = "Aardvark\t2000\t5\t1\nabc\t2000\t7\t1\n";

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>mknod needs root, as CI runs; a run as another user checks the rest.</summary>
    private static bool IsRoot => Environment.UserName == "root";

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true }) ?? throw new InvalidOperationException(file);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    private static string Kind(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        string kind = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return kind;
    }

    [Fact]
    public async Task Output_ACharacterDevice_IsWrittenInPlace_AndStaysADevice()
    {
        if (!IsRoot)
        {
            return;
        }

        string input = _cli.Write("in.tsv", Rows);
        string nul = _cli.PathOf("null");
        string full = _cli.PathOf("full");
        Run("mknod", nul, "c", "1", "3");
        Run("mknod", full, "c", "1", "7");

        var toNull = await _cli.RunAsync(["count", input, "-o", nul, "--quiet"]);
        var toFull = await _cli.RunAsync(["count", input, "-o", full, "--quiet"]);

        Assert.Equal(0, toNull.ExitCode);
        Assert.Equal("character special file", Kind(nul));
        Assert.Equal(3, toFull.ExitCode);
        Assert.Contains("space", toFull.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("character special file", Kind(full));
        Assert.Empty(Directory.GetFiles(_cli.Folder, "*.tmp"));
    }

    [Fact]
    public async Task Output_ASymlink_ReplacesItsTarget_KeepsTheLinkAndThePermissionBits()
    {
        string input = _cli.Write("in.tsv", Rows);
        string target = _cli.Write("target.tsv", "old\n");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        string link = _cli.PathOf("link.tsv");
        File.CreateSymbolicLink(link, target);

        var run = await _cli.RunAsync(["count", input, "-o", link, "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal("Aardvark\t5\nabc\t7\n", await File.ReadAllTextAsync(target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(target));
    }

    [Theory]
    [InlineData("-o", "same")]
    [InlineData("-o", "dot")]
    [InlineData("-o", "hard")]
    [InlineData("-o", "symlink")]
    [InlineData("--rejects", "hard")]
    public async Task Output_ThatIsAnInput_ExitsTwo_NamingBoth_AndLeavesTheInputAlone(string option, string how)
    {
        string input = _cli.Write("in.tsv", Rows);
        string output = how switch
        {
            "same" => input,
            "dot" => Path.Combine(_cli.Folder, ".", "in.tsv"),
            "hard" => _cli.PathOf("hard.tsv"),
            _ => _cli.PathOf("link.tsv"),
        };
        if (how == "hard")
        {
            Run("ln", input, output);
        }
        else if (how == "symlink")
        {
            File.CreateSymbolicLink(output, input);
        }

        string[] args = option == "--rejects" ? ["count", input, "--skip-bad", "--rejects", output] : ["count", input, "-o", output];
        var run = await _cli.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"tally: {option} {output} is the input {input}: writing it would destroy the input; give another file\n", run.Error);
        Assert.Equal(Rows, await File.ReadAllTextAsync(input));
    }

    [Fact]
    public async Task Output_Dash_WritesTheTableToStandardOutput()
    {
        string input = _cli.Write("in.tsv", Rows);
        using var tally = TallyProcess.Start(_cli.Folder, ["count", input, "-o", "-", "--quiet"]);

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(["Aardvark\t5", "abc\t7"], tally.OutputLines);
        Assert.False(File.Exists(_cli.PathOf("-")));
    }

    [Fact]
    public async Task Output_StaleTemporaryOfADeadProcess_IsRemoved_ALiveOnesIsNot()
    {
        string input = _cli.Write("in.tsv", Rows);
        string stale = _cli.Write($".out.tsv.99999999.{Guid.NewGuid():N}.tmp", "left by a kill -9\n");
        string live = _cli.Write($".out.tsv.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp", "being written\n");

        var run = await _cli.RunAsync(["count", input, "-o", _cli.PathOf("out.tsv"), "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
    }

    [Fact]
    public async Task Input_AFifoWithNoWriter_StopsAtOnceOnSigterm_WithExit130()
    {
        string fifo = _cli.PathOf("fifo");
        Run("mkfifo", fifo);
        using var tally = TallyProcess.Start(_cli.Folder, ["count", fifo, "-w", "x"]);
        await Task.Delay(1000);
        using (var running = Process.GetProcessById(tally.Id))
        {
            Assert.False(running.HasExited, "tally ended without a writer");
        }

        var clock = Stopwatch.StartNew();
        await tally.SignalAsync("TERM");

        Assert.Equal(130, await tally.WaitForExitAsync(s_timeout));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Input_AFifoNamedDirectly_IsRead_AFifoInAFolderIsPassedOver()
    {
        string fifo = _cli.PathOf("pipe");
        Run("mkfifo", fifo);
        var writer = Task.Run(() => File.WriteAllText(fifo, "x\t2000\t5\t1\n"));
        var direct = await _cli.RunAsync(["count", fifo, "-w", "x", "--quiet"]);
        await writer;

        Directory.CreateDirectory(_cli.PathOf("data"));
        _cli.Write("data/a.tsv", Rows);
        Run("mkfifo", _cli.PathOf("data/pipe"));
        var folder = await _cli.RunAsync(["count", _cli.PathOf("data"), "-w", "Aardvark", "--verbose"]);

        Assert.Equal(0, direct.ExitCode);
        Assert.Equal(["x\t5"], direct.OutLines);
        Assert.Equal(0, folder.ExitCode);
        Assert.Equal(["Aardvark\t5"], folder.OutLines);
        Assert.Contains($"tally: {_cli.PathOf("data/pipe")}: passed over: a FIFO, not a regular file", folder.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_OneFileByThreeNames_IsCountedOnce_AndVerboseSaysSo()
    {
        string input = _cli.Write("in.tsv", Rows);
        string hard = _cli.PathOf("hard.tsv");
        Run("ln", input, hard);
        string link = _cli.PathOf("link.tsv");
        File.CreateSymbolicLink(link, input);

        var run = await _cli.RunAsync(["count", input, hard, link, "-w", "Aardvark", "--verbose"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Aardvark\t5"], run.OutLines);
        Assert.Contains($"tally: {hard} is the same file as {input}; counted once", run.Error, StringComparison.Ordinal);
        Assert.Contains($"tally: {link} is the same file as {input}; counted once", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("input")]
    [InlineData("-o")]
    [InlineData("--rejects")]
    [InlineData("--checkpoint")]
    public async Task EmptyPath_IsAUsageError(string where)
    {
        string input = _cli.Write("in.tsv", Rows);
        string[] args = where switch
        {
            "input" => ["count", input, ""],
            "--rejects" => ["count", input, "--skip-bad", "--rejects", ""],
            _ => ["count", input, where, ""],
        };

        var run = await _cli.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("empty path", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_TheLargestInt_PrintsEveryKey()
    {
        string input = _cli.Write("in.tsv", Rows);

        var run = await _cli.RunAsync(["count", input, "--top", "2147483647", "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["abc\t7", "Aardvark\t5"], run.OutLines);
    }

    [Fact]
    public async Task Rejects_APathWithATabAndANewline_StaysFourColumnsOnOneLine_AndStderrShowsNoControlCharacters()
    {
        string input = _cli.Write("in\tput\n.tsv", "Aardvark\t2000\t5\t1\nnot a row\n");
        string rejects = _cli.PathOf("rejects.tsv");

        var run = await _cli.RunAsync(["count", input, "--skip-bad", "--rejects", rejects, "-w", "Aardvark"]);

        Assert.Equal(0, run.ExitCode);
        string[] lines = (await File.ReadAllTextAsync(rejects)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var row = Assert.Single(lines).Split('\t');
        Assert.Equal(4, row.Length);
        Assert.Equal(_cli.PathOf("in\\x09put\\x0A.tsv"), row[0]);
        Assert.DoesNotContain('\t', run.Error.Replace("\n", "", StringComparison.Ordinal));
        Assert.Contains("in\\x09put\\x0A.tsv", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_FolderInsideAnInputGlob_IsNeverReadAsInput()
    {
        Directory.CreateDirectory(_cli.PathOf("data"));
        _cli.Write("data/a.tsv", Rows);
        string pattern = _cli.PathOf("data/**");
        string[] args = ["count", pattern, "--checkpoint", _cli.PathOf("data/ck"), "-w", "Aardvark", "--verbose"];

        var first = await _cli.RunAsync(args);
        var second = await _cli.RunAsync(args);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(["Aardvark\t5"], second.OutLines);
        Assert.Contains("passed over: it is in the checkpoint folder", second.Error, StringComparison.Ordinal);
    }
}
