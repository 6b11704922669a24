using Tally.Cli.Commands;
using Tally.Cli.Usage;

namespace Tally.Cli.Tests;

/// <summary>Help that teaches: suggestions, plain-word values, <c>--</c>, examples, version, completion, gen.</summary>
public sealed class UsageTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData(new[] { "count", "x", "--wrod", "a" }, "tally: unknown option --wrod; did you mean --word?")]
    [InlineData(new[] { "count", "x", "--verb" }, "tally: unknown option --verb; did you mean --verbose?")]
    [InlineData(new[] { "cuont", "x" }, "tally: unknown command cuont; did you mean count?")]
    [InlineData(new[] { "count", "x", "--top", "abc" }, "tally: --top abc: expected a whole number, like 10")]
    [InlineData(new[] { "count", "x", "--executor", "thread" }, "tally: --executor thread: expected one of processes, threads; did you mean threads?")]
    [InlineData(new[] { "gen", "d", "--rows", "many" }, "tally: --rows many: expected a whole number, like 10")]
    public async Task UsageError_OneLineInPlainWords_Exit2(string[] args, string expected)
    {
        var run = await _cli.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(expected, run.Error.Split('\n')[0]);
        Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoubleDash_EndsOptions_AWordAfterItIsAFile()
    {
        string odd = _cli.Write("-odd.tsv", "zed\t1999\t4\t1\n");

        using var tally = TallyProcess.Start(_cli.Folder, "count", "--word", "zed", "--", "-odd.tsv");

        Assert.Equal(0, await tally.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(["zed\t4"], tally.OutputLines);
        Assert.True(File.Exists(odd));
    }

    [Fact]
    public void DoubleDash_LeavesStandardInputAndWordsBeforeIt()
        => Assert.Equal(["count", "-w", "a", "--", "-", "./-x", "y"], TallyApp.AfterDoubleDash(["count", "-w", "a", "--", "-", "-x", "y"]));

    [Theory]
    [InlineData("--help")]
    [InlineData("count", "--help")]
    public async Task Help_ShowsExamplesAndExitCodes_NotTheWorker(params string[] args)
    {
        var run = await _cli.RunAsync(args);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Out, StringComparison.Ordinal);
        Assert.Contains("Exit codes:", run.Out, StringComparison.Ordinal);
        Assert.Contains("130  cancelled", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\n  worker", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoArguments_ShowsTheHelp()
    {
        var run = await _cli.RunAsync([]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Commands:", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    public async Task Version_SaysTheCommit(string flag)
    {
        var run = await _cli.RunAsync([flag]);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^tally \d+\.\d+\.\d+\S* \(commit [0-9a-f]{7,12}|unknown\)\n$", run.Out);
    }

    [Theory]
    [InlineData("bash", "complete -o default")]
    [InlineData("zsh", "compdef _tally tally")]
    [InlineData("fish", "complete -c tally")]
    public async Task Completion_PrintsAScriptThatAsksTally(string shell, string expected)
    {
        var run = await _cli.RunAsync(["completion", shell]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(expected, run.Out, StringComparison.Ordinal);
        Assert.Contains("[suggest:", run.Out, StringComparison.Ordinal);
        Assert.Equal(CompletionCommand.Script(shell), run.Out);
    }

    [Fact]
    public async Task SuggestDirective_CompletesOptions()
    {
        var run = await _cli.RunAsync(["[suggest:16]", "tally count --sk"]);

        Assert.Equal(["--skip-bad", "--skip-bad-files"], run.OutLines);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(777)]
    [InlineData(20_000)]
    public async Task Gen_Rows_WritesExactlyThatMany(int rows)
    {
        string file = _cli.PathOf("one.tsv");

        var run = await _cli.RunAsync(["gen", "-o", file, "--rows", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), "--base-words", "300", "--plain"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(rows, File.ReadAllLines(file).Length);
    }

    [Fact]
    public async Task Gen_Folder_WritesOneFilePerLetter_AndOldOutStillWorks()
    {
        var run = await _cli.RunAsync(["gen", _cli.PathOf("set"), "--letters", "ab", "--rows", "100", "--base-words", "50"]);
        var old = await _cli.RunAsync(["gen", "--out", _cli.PathOf("old"), "--letters", "ab", "--rows", "100", "--base-words", "50"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, old.ExitCode);
        Assert.Equal(2, Directory.GetFiles(_cli.PathOf("set")).Length);
        Assert.Equal(File.ReadAllBytes(Directory.GetFiles(_cli.PathOf("set"))[0]), File.ReadAllBytes(Directory.GetFiles(_cli.PathOf("old"))[0]));
    }

    [Fact]
    public async Task Gen_TooManyRowsForTheVocabulary_SaysWhatToRaise()
    {
        var run = await _cli.RunAsync(["gen", "-o", _cli.PathOf("x.gz"), "--rows", "1000000", "--base-words", "2"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("give more --base-words", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--wrod", "--word")]
    [InlineData("--top", "--top")]
    [InlineData("--skipbad", "--skip-bad")]
    [InlineData("--zzzzzz", null)]
    public void Nearest_FindsLikelyTypos(string typed, string? expected)
        => Assert.Equal(expected, Suggestions.Nearest(typed, ["--word", "--top", "--skip-bad", "--skip-bad-files", "--quiet"]));

    [Fact]
    public void Expected_NamesNoDotNetType()
    {
        Assert.Equal("a whole number, like 10", UsageErrors.Expected(typeof(int?)));
        Assert.Equal("a number, like 0.5", UsageErrors.Expected(typeof(double)));
    }
}
