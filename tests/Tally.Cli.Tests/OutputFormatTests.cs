using System.Diagnostics;
using System.Text;

namespace Tally.Cli.Tests;

/// <summary><c>-o FILE</c> by extension and <c>--output-format NAME</c>: which format is written, to a file or to standard output, and the usage errors.</summary>
public sealed class OutputFormatTests : IDisposable
{
    private const string Rows = "a,b\t2000\t5\t1\nq\"x\t2000\t3\t1\nplain\t2000\t4\t1\n";
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("out.csv", "ngram,total\r\n\"a,b\",5\r\nplain,4\r\n\"q\"\"x\",3\r\n")]
    [InlineData("OUT.CSV", "ngram,total\r\n\"a,b\",5\r\nplain,4\r\n\"q\"\"x\",3\r\n")]
    [InlineData("out.jsonl", "{\"ngram\":\"a,b\",\"total\":5}\n{\"ngram\":\"plain\",\"total\":4}\n{\"ngram\":\"q\\\"x\",\"total\":3}\n")]
    [InlineData("out.tsv", "a,b\t5\nplain\t4\nq\"x\t3\n")]
    [InlineData("out.txt", "a,b\t5\nplain\t4\nq\"x\t3\n")]
    [InlineData("out", "a,b\t5\nplain\t4\nq\"x\t3\n")]
    public async Task Output_Extension_ChoosesTheFormat(string name, string expected)
    {
        string input = _cli.Write("in.tsv", Rows);

        var run = await _cli.RunAsync(["count", input, "-o", _cli.PathOf(name), "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, await File.ReadAllTextAsync(_cli.PathOf(name)));
    }

    [Theory]
    [InlineData("out.parquet", "PAR1")]
    [InlineData("out.sqlite", "SQLite format 3")]
    [InlineData("out.db", "SQLite format 3")]
    public async Task Output_BinaryExtension_ChoosesTheFormat(string name, string magic)
    {
        string input = _cli.Write("in.tsv", Rows);

        var run = await _cli.RunAsync(["count", input, "-o", _cli.PathOf(name), "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith(magic, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(_cli.PathOf(name))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputFormat_OverAnExtensionNoFormatHas_WritesThatFormat()
    {
        string input = _cli.Write("in.tsv", Rows);

        var run = await _cli.RunAsync(["count", input, "-o", _cli.PathOf("totals.data"), "--output-format", "jsonl", "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("{\"ngram\":\"a,b\",\"total\":5}\n", await File.ReadAllTextAsync(_cli.PathOf("totals.data")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jsonl", "{\"ngram\":\"a,b\",\"total\":5}")]
    [InlineData("csv", "ngram,total")]
    [InlineData(null, "a,b\t5")]
    public async Task Output_Dash_WritesTheNamedFormatToStandardOutput(string? format, string firstLine)
    {
        string input = _cli.Write("in.tsv", Rows);
        string[] args = format is null ? ["count", input, "-o", "-", "--quiet"] : ["count", input, "-o", "-", "--output-format", format, "--quiet"];
        using var tally = TallyProcess.Start(_cli.Folder, args);

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(firstLine, tally.OutputLines[0].TrimEnd('\r'));
    }

    [Fact]
    public async Task Output_DashParquet_StreamsAWholeFile()
    {
        string input = _cli.Write("in.tsv", Rows);
        using var tally = TallyProcess.Start(_cli.Folder, ["count", input, "-o", "-", "--output-format", "parquet", "--quiet"]);

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        byte[] written = [.. tally.OutputLineBytes.SelectMany(l => l.Append((byte)'\n'))];
        Assert.Equal("PAR1"u8.ToArray(), written[..4]);
        Assert.Contains("PAR1", Encoding.Latin1.GetString(written[^6..]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-o", "out.tsv", "--output-format", "xml" }, "tally: --output-format xml: not one of tsv, csv, jsonl, parquet, sqlite\n")]
    [InlineData(new[] { "--output-format", "csv" }, "tally: --output-format csv: needs -o FILE (or -o - for standard output)\n")]
    [InlineData(new[] { "-o", "-", "--output-format", "sqlite" }, "tally: --output-format sqlite: cannot be written to standard output; give -o FILE.sqlite\n")]
    [InlineData(new[] { "-o", "out.csv", "--output-format", "parquet" }, "tally: --output-format parquet: -o out.csv has the extension of csv; give a matching extension or leave out --output-format\n")]
    public async Task OutputFormat_Misused_IsAUsageError(string[] options, string error)
    {
        string input = _cli.Write("in.tsv", Rows);

        var run = await _cli.RunAsync(["count", input, .. options]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(error, run.Error);
        Assert.Empty(Directory.GetFiles(_cli.Folder, "out*"));
    }

    [Fact]
    public async Task Output_SqliteToAFifo_IsAUsageError()
    {
        string input = _cli.Write("in.tsv", Rows);
        string fifo = _cli.PathOf("pipe.sqlite");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        var run = await _cli.RunAsync(["count", input, "-o", fifo]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"tally: -o {fifo}: a sqlite output must be a regular file, not a device or a FIFO\n", run.Error);
    }

    [Fact]
    public async Task Help_ShowsEveryOutputWithAnExample()
    {
        var run = await _cli.RunAsync(["count", "--help"]);

        Assert.Equal(0, run.ExitCode);
        foreach (string shown in new[] { "--output-format", ".csv", ".jsonl", ".parquet", ".sqlite", "-o totals.parquet" })
        {
            Assert.Contains(shown, run.Out, StringComparison.Ordinal);
        }
    }
}
