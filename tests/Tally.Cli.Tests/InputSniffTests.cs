using System.Text;
using Tally.Cli.Commands;

namespace Tally.Cli.Tests;

/// <summary>A file that is plainly not Ngram v2 rows is named, with what it looks like, before anything is counted.</summary>
public sealed class InputSniffTests : IDisposable
{
    /// <summary>../shared/realdata beside the repository (or a folder above it), when the machine has it.</summary>
    private static readonly string? s_realData = Enumerable.Range(1, 8)
        .Select(up => Path.GetFullPath(Path.Combine([AppContext.BaseDirectory, .. Enumerable.Repeat("..", up), "shared", "realdata"])))
        .FirstOrDefault(Directory.Exists);

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("googlebooks-eng-all-totalcounts-20120701.txt", "a Google total-counts file")]
    [InlineData("v3-totalcounts/eng-totalcounts-1", "a Google total-counts file")]
    [InlineData("derived-orgtre-1grams_english_0_raw-2010-2019-top10000.csv", "CSV")]
    [InlineData("v3-rows/forever-1.source.tsv", "Ngram v3 rows")]
    [InlineData("v2-eng-1gram-20120701-1-years1800-1999.tsv", null)]
    public void RealFiles_LookLikeWhatTheyAre(string name, string? expected)
    {
        if (s_realData is null || !File.Exists(Path.Combine(s_realData, name)))
        {
            return;
        }

        string path = Path.Combine(s_realData, name);

        string? looks = InputSniff.Looks(path);

        if (expected is null)
        {
            Assert.Null(looks);
        }
        else
        {
            Assert.StartsWith(expected, looks, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"ngram\": \"a\"}\n", "JSON")]
    [InlineData("[1, 2]", "JSON")]
    [InlineData("a\0b\n", "binary data")]
    [InlineData("ngram,year,count\n", "CSV")]
    [InlineData("Aardvark\t1999\t5\t1\n", null)]
    [InlineData("not a row\n", null)]
    [InlineData("", null)]
    public void Classify(string head, string? expected)
        => Assert.Equal(expected, InputSniff.Classify(Encoding.UTF8.GetBytes(head))?.Split(' ')[0] switch
        {
            "binary" => "binary data",
            "CSV" => "CSV",
            var other => other,
        });

    [Fact]
    public async Task CsvAmongGoodFiles_FailsBeforeCounting_NamingItAndWhatToDo()
    {
        string good = _cli.Write("good.tsv", "zed\t1999\t4\t1\n");
        string csv = _cli.Write("table.csv", "ngram,freq\nzed,4\n", gzip: true);
        string output = _cli.PathOf("out.tsv");

        var run = await _cli.RunAsync(["count", good, csv, "-o", output]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"tally: {csv}: looks like CSV (its first line is \"ngram,freq\"), not Ngram v2 or v3 rows; ", run.Error, StringComparison.Ordinal);
        Assert.Contains("glob", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task SkipBadFiles_LeavesItOut_AndCountsTheRest()
    {
        string good = _cli.Write("good.tsv", "zed\t1999\t4\t1\n");
        string json = _cli.Write("x.json", "{\"zed\": 4}\n");

        var run = await _cli.RunAsync(["count", good, json, "--skip-bad-files", "-w", "zed"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["zed\t4"], run.OutLines);
        Assert.Equal($"tally: left out {json}: looks like JSON, not Ngram v2 or v3 rows\n", run.Error);
    }
}
