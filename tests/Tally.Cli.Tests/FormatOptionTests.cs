namespace Tally.Cli.Tests;

/// <summary><c>--format</c> and the filters from the command line: results, the format each input was read in, and usage errors.</summary>
public sealed class FormatOptionTests : IDisposable
{
    private const string V2 = "Book\t1850\t5\t1\nBook\t1950\t7\t1\nbook_NOUN\t1950\t3\t1\n";
    private const string V3 = "book\t1850,10,1\t1950,20,1\n_NOUN_\t1950,1000,1\n9,000\t1950,4,1\n";

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Out => _cli.PathOf("out.tsv");

    private string Written => File.ReadAllText(Out);

    [Fact]
    public async Task Auto_ReadsV2AndV3InOneJob_WithEveryFilter()
    {
        string v2 = _cli.Write("a.tsv", V2);
        string v3 = _cli.Write("b.tsv", V3, gzip: true);

        var run = await _cli.RunAsync(["count", v2, v3, "--years", "1900-", "--tags", "drop", "--ignore-case", "-o", Out, "--verbose"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("9,000\t4\nbook\t27\n", Written);
        Assert.Contains("ngram-v2(years=1900-;tags=drop;ignore-case), 3 rows", run.Error, StringComparison.Ordinal);
        Assert.Contains("ngram-v3(years=1900-;tags=drop;ignore-case), 3 rows", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Word_IsLookedUpFolded_WithIgnoreCase()
    {
        string v2 = _cli.Write("a.tsv", V2);

        var run = await _cli.RunAsync(["count", v2, "--ignore-case", "--word", "BOOK", "--word", "book_noun"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("BOOK\t12\nbook_noun\t3\n", run.Out);
    }

    [Fact]
    public async Task Tsv_WithKeysValueDelimiterAndHeader()
    {
        string csv = _cli.Write("a.csv", "city,year,people\nOslo,2000,5\nOslo,2001,6\nRome,2000,7\n");

        var run = await _cli.RunAsync(["count", csv, "--format", "tsv", "--key", "1", "--key", "2", "--value", "3", "--delimiter", ",", "--header", "-o", Out]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("Oslo\t2000\t5\nOslo\t2001\t6\nRome\t2000\t7\n", Written);
    }

    [Fact]
    public async Task Words_CountsEveryRunOfNonWhitespace()
    {
        string text = _cli.Write("a.txt", "the cat\tthe  hat\n\nThe end\n");

        var run = await _cli.RunAsync(["count", text, "--format", "words", "-o", Out]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("The\t1\ncat\t1\nend\t1\nhat\t1\nthe\t2\n", Written);
    }

    [Fact]
    public async Task Auto_OnOtherData_FailsNamingTheFileAndTheFormatToGive()
    {
        string text = _cli.Write("notes.txt", "hello world\n");

        var run = await _cli.RunAsync(["count", text]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{text}:1: the first line is neither Ngram v2", run.Error, StringComparison.Ordinal);
        Assert.Contains("--format words", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--years", "--years", "abc")]
    [InlineData("--years", "--years", "1999-1800")]
    [InlineData("--tags", "--tags", "some")]
    [InlineData("--format", "--format", "csv")]
    [InlineData("--years", "--format", "words", "--years", "1900")]
    [InlineData("--years", "--format", "tsv", "--years", "1900")]
    [InlineData("--tags", "--format", "tsv", "--tags", "drop")]
    [InlineData("--key", "--key", "2")]
    [InlineData("--header", "--format", "ngram-v3", "--header")]
    [InlineData("--key", "--format", "tsv", "--key", "0")]
    [InlineData("--value", "--format", "tsv", "--value", "-3")]
    [InlineData("--delimiter", "--format", "tsv", "--delimiter", "ab")]
    [InlineData("--delimiter", "--format", "tsv", "--delimiter", "é")]
    public async Task BadFormatOptions_AreUsageErrors_NamingTheFlag(string flag, params string[] args)
    {
        string v2 = _cli.Write("a.tsv", V2);

        var run = await _cli.RunAsync(["count", v2, .. args]);

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(flag, line, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task WorkerProcesses_GetTheFormatAndFilters()
    {
        string v2 = _cli.Write("a.tsv", V2);
        string v3 = _cli.Write("b.tsv", V3);

        var threads = await _cli.RunAsync(["count", v2, v3, "--years", "1900-", "--ignore-case", "-o", Out]);
        string expected = Written;
        var processes = await _cli.RunAsync(["count", v2, v3, "--years", "1900-", "--ignore-case", "-o", Out, "--executor", "processes", "--workers", "2", "--verbose"]);

        Assert.Equal(0, processes.ExitCode);
        Assert.Equal(0, threads.ExitCode);
        Assert.Equal(expected, Written);
        Assert.Contains("ngram-v3(years=1900-;ignore-case)", processes.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoints_MadeWithOtherFilters_AreRecomputed()
    {
        string v2 = _cli.Write("a.tsv", V2);
        string checkpoints = _cli.PathOf("cp");

        var first = await _cli.RunAsync(["count", v2, "--checkpoint", checkpoints, "-o", Out]);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal("Book\t12\nbook_NOUN\t3\n", Written);
        var second = await _cli.RunAsync(["count", v2, "--checkpoint", checkpoints, "--years", "1900-", "-o", Out, "--verbose"]);

        Assert.Equal("Book\t7\nbook_NOUN\t3\n", Written);
        Assert.Contains("counted again", second.Error, StringComparison.Ordinal);
    }
}
