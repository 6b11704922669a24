using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tally.Cli.Generation;
using Xunit.Abstractions;

namespace Tally.Cli.Tests;

/// <summary>
/// The built tally as a real process: killed with SIGKILL and resumed from its checkpoints,
/// stopped with SIGINT, SIGTERM or SIGHUP, and not stopped by SIGHUP under nohup. Standard input
/// is written but held open, so the job cannot finish before the test acts: the interruption
/// always lands mid-job, however loaded the machine.
/// </summary>
public sealed class ProcessTests(ITestOutputHelper log) : IDisposable
{
    /// <summary>Generous: these bound a hang, they do not measure speed.</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    private static readonly byte[] s_stdin = Encoding.UTF8.GetBytes(
        string.Concat(Enumerable.Range(0, 300).Select(i => $"stdin{i % 17}\t{1900 + (i % 90)}\t{i + 1}\t1\n")));

    private readonly CliRunner _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Writes gzip Ngram v2 files with the generator; returns their paths and total rows.</summary>
    private async Task<(string[] Paths, long Rows)> GenerateAsync(string letters, long rowsEach)
    {
        var options = new NgramV2GeneratorOptions { Seed = 4, Rows = rowsEach, BaseWords = 2000 };
        var stats = new List<NgramV2FileStats>();
        foreach (char letter in letters)
        {
            stats.Add(await NgramV2Generator.WriteFileAsync(_folder.PathOf($"{letter}.gz"), letter, options));
        }

        return ([.. stats.Select(s => s.Path)], stats.Sum(s => s.Rows));
    }

    [Fact]
    public async Task Kill9_AfterACheckpointAppears_RerunResumes_AndTheOutputEqualsAnUninterruptedRun()
    {
        var (files, _) = await GenerateAsync("abc", 40_000);
        string checkpoints = _folder.PathOf("checkpoints");
        string expected = _folder.PathOf("expected.tsv");
        string output = _folder.PathOf("out.tsv");
        string[] args = ["count", .. files, "-", "--checkpoint", checkpoints, "-o", output, "--verbose", "--threads", "1"];

        using (var reference = TallyProcess.Start(_folder.Folder, ["count", .. files, "-", "-o", expected]))
        {
            reference.WriteInput(s_stdin, close: true);
            Assert.Equal(0, await reference.WaitForExitAsync(s_timeout));
        }

        using (var killed = TallyProcess.Start(_folder.Folder, args))
        {
            killed.WriteInput(s_stdin, close: false);
            await TallyProcess.PollAsync(
                () => Directory.Exists(checkpoints) && Directory.GetFiles(checkpoints, "*.tlyc").Length > 0,
                s_timeout, () => $"no checkpoint appeared; stderr:\n{killed.Error}");
            killed.KillHard();
            Assert.NotEqual(0, await killed.WaitForExitAsync(s_timeout));
        }

        int saved = Directory.GetFiles(checkpoints, "*.tlyc").Length;
        Assert.False(File.Exists(output));

        using (var resumed = TallyProcess.Start(_folder.Folder, args))
        {
            resumed.WriteInput(s_stdin, close: true);
            Assert.Equal(0, await resumed.WaitForExitAsync(s_timeout));
            log.WriteLine(resumed.Error);
            Assert.Equal(saved, resumed.ErrorLines.Count(l => l.EndsWith("(resumed from its checkpoint)", StringComparison.Ordinal)));
            Assert.Equal(files.Length + 1, resumed.ErrorLines.Count(l => l.StartsWith("tally: done ", StringComparison.Ordinal)));
        }

        Assert.Equal(await File.ReadAllBytesAsync(expected), await File.ReadAllBytesAsync(output));
        Assert.Equal(files.Length, Directory.GetFiles(checkpoints, "*.tlyc").Length);
        Assert.Empty(Directory.GetFiles(checkpoints, "*.tmp"));
    }

    [Theory]
    [InlineData("INT", false)]
    [InlineData("INT", true)]
    [InlineData("TERM", false)]
    [InlineData("HUP", true)]
    public async Task Signal_MidJob_Exits130_SaysHowFarItGot_AndWritesNoOutput(string signal, bool outputExists)
    {
        var (files, rows) = await GenerateAsync("xy", 20_000);
        string output = _folder.PathOf("out.tsv");
        if (outputExists)
        {
            await File.WriteAllTextAsync(output, "a previous result\n");
        }

        using var tally = TallyProcess.Start(_folder.Folder, ["count", .. files, "-", "-o", output, "--verbose"]);
        tally.WriteInput(s_stdin, close: false);

        // Both files are counted; standard input, short of a block and still open, holds the job.
        await TallyProcess.PollAsync(
            () => tally.ErrorLines.Count(l => l.StartsWith("tally: done ", StringComparison.Ordinal)) == files.Length,
            s_timeout, () => $"the files did not finish; stderr:\n{tally.Error}");
        var clock = Stopwatch.StartNew();
        await tally.SignalAsync(signal);

        int code = await tally.WaitForExitAsync(s_timeout);

        log.WriteLine($"SIG{signal}: exited {code} {clock.Elapsed.TotalMilliseconds:F0} ms after the signal was sent");
        Assert.Equal(130, code);
        Assert.EndsWith(
            string.Create(CultureInfo.InvariantCulture, $"tally: cancelled after {rows:N0} rows of 3 inputs (2 finished); no output was written\n"),
            tally.Error,
            StringComparison.Ordinal);
        if (outputExists)
        {
            Assert.Equal("a previous result\n", await File.ReadAllTextAsync(output));
        }
        else
        {
            Assert.False(File.Exists(output));
        }

        Assert.Empty(Directory.GetFiles(_folder.Folder, "*.tmp"));
    }

    [Fact]
    public async Task SigHup_UnderNohup_IsIgnored_AndTheJobFinishesWithItsOutput()
    {
        // nohup starts a command with SIGHUP ignored so that it outlives the terminal: tally keeps
        // that (the runtime leaves an inherited SIG_IGN alone), and its own handler, which cancels
        // the job on a hangup, never runs.
        var (files, _) = await GenerateAsync("xy", 20_000);
        string expected = _folder.PathOf("expected.tsv");
        string output = _folder.PathOf("out.tsv");
        using (var reference = TallyProcess.Start(_folder.Folder, ["count", .. files, "-", "-o", expected]))
        {
            reference.WriteInput(s_stdin, close: true);
            Assert.Equal(0, await reference.WaitForExitAsync(s_timeout));
        }

        using var tally = TallyProcess.StartIgnoring("HUP", _folder.Folder, ["count", .. files, "-", "-o", output, "--verbose"]);
        tally.WriteInput(s_stdin, close: false);
        await TallyProcess.PollAsync(
            () => tally.ErrorLines.Count(l => l.StartsWith("tally: done ", StringComparison.Ordinal)) == files.Length,
            s_timeout, () => $"the files did not finish; stderr:\n{tally.Error}");
        await tally.SignalAsync("HUP");

        // Standard input still holds the job: a hangup that cancelled it would end the process
        // (exit 130) well within this second; one that was ignored leaves it waiting for input.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(tally.HasExited, $"tally ended on a SIGHUP it was started ignoring; stderr:\n{tally.Error}");
        tally.CloseInput();

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(await File.ReadAllBytesAsync(expected), await File.ReadAllBytesAsync(output));
    }
}
