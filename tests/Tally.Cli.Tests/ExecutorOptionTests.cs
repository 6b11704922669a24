using System.Buffers.Binary;
using Tally.Cli.Rendering;
using Tally.Engine;
using Tally.Workers;

namespace Tally.Cli.Tests;

/// <summary><c>--executor processes --workers N</c> and <c>tally worker</c> end to end, with real worker processes.</summary>
public sealed class ExecutorOptionTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Processes_WriteTheSameOutputAsThreads()
    {
        var lines = Enumerable.Range(0, 5000).Select(i => $"w{i % 307}\t{1800 + (i % 50)}\t{(i * 7919) % 100000}\t1\n");
        string a = _cli.Write("a.gz", string.Concat(lines.Take(2000)), gzip: true);
        string b = _cli.Write("b.tsv", string.Concat(lines.Skip(2000)));
        string c = _cli.Write("c.tsv", "Aardvark\t2000\t3000000000\t1\nAardvark\t2001\t3000000000\t1\n");
        string threads = _cli.PathOf("threads.tsv");
        string processes = _cli.PathOf("processes.tsv");

        var first = await _cli.RunAsync(["count", a, b, c, "-o", threads, "--workers", "2"]);
        var second = await _cli.RunAsync(["count", a, b, c, "-o", processes, "--executor", "processes", "--workers", "2", "--block-size", "100"]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal((0, ""), (second.ExitCode, second.Error));
        Assert.Equal(await File.ReadAllBytesAsync(threads), await File.ReadAllBytesAsync(processes));
    }

    [Fact]
    public async Task Processes_CountStandardInputInTheParent()
    {
        string a = _cli.Write("a.tsv", "abc\t1900\t3000000000\t1\n");

        var run = await _cli.RunAsync(["count", "-", a, "--executor", "processes", "-w", "abc"], stdin: "abc\t2000\t5\t1\n");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["abc\t3000000005"], run.OutLines);
    }

    [Fact]
    public async Task Processes_MalformedRow_ExitsOneWithTheSameMessageAsThreads()
    {
        string bad = _cli.Write("bad.tsv", "ok\t1\t1\t1\nok\t2\t-5\t1\n");

        var threads = await _cli.RunAsync(["count", bad]);
        var processes = await _cli.RunAsync(["count", bad, "--executor", "processes"]);

        Assert.Equal(1, processes.ExitCode);
        Assert.Equal($"tally: {bad}:2: column 3 (match_count): \"-5\" is not a non-negative integer\n", processes.Error);
        Assert.Equal(threads.Error, processes.Error);
    }

    [Theory]
    [InlineData(0, "tally: done a.gz: 10 rows, 50 B gzip, 100 B inflated in 1.00 s (10 rows/s)")]
    [InlineData(1, "tally: done a.gz: 10 rows, 50 B gzip, 100 B inflated in 1.00 s (10 rows/s) (counted again after 1 failed worker process)")]
    [InlineData(2, "tally: done a.gz: 10 rows, 50 B gzip, 100 B inflated in 1.00 s (10 rows/s) (counted again after 2 failed worker processes)")]
    public void VerboseLine_SaysWhenAWorkerFailedOnTheInput(int retries, string expected)
    {
        var done = new SourceCompletion(0, "a.gz", true, 50, 100, 10, TimeSpan.Zero, TimeSpan.FromSeconds(1)) { Retries = retries };

        Assert.Equal(expected, PlainProgress.Describe(done));
    }

    [Fact]
    public async Task Processes_SkipBadAndSkipBadFiles_PrintAndWriteWhatThreadsDo()
    {
        string good = _cli.Write("a.tsv", "Aardvark\t2000\t5\t1\nnot a row\nabc\t2000\t7\t1\nabc\t2001\t-1\t1\n");
        string broken = _cli.Write("b.gz", string.Concat(Enumerable.Range(0, 500).Select(i => $"z{i}\t2000\t1\t1\n")), gzip: true);
        File.WriteAllBytes(broken, File.ReadAllBytes(broken)[..^9]);
        string[] common = ["count", good, broken, "-w", "Aardvark", "-w", "abc", "--skip-bad", "--skip-bad-files", "--workers", "2"];

        var threads = await _cli.RunAsync([.. common, "--rejects", _cli.PathOf("threads.tsv"), "-o", _cli.PathOf("threads.out")]);
        var processes = await _cli.RunAsync([.. common, "--executor", "processes", "--rejects", _cli.PathOf("processes.tsv"), "-o", _cli.PathOf("processes.out")]);

        Assert.Equal(0, threads.ExitCode);
        Assert.Equal(0, processes.ExitCode);
        Assert.Equal(["Aardvark\t5", "abc\t7"], processes.OutLines);
        Assert.Equal(threads.OutLines, processes.OutLines);
        Assert.Equal(threads.Error.Replace("threads.tsv", "processes.tsv", StringComparison.Ordinal), processes.Error);
        Assert.Contains($"tally: skipped 2 malformed rows in {good}", processes.Error, StringComparison.Ordinal);
        Assert.Contains(broken, processes.Error, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(_cli.PathOf("threads.tsv")), await File.ReadAllBytesAsync(_cli.PathOf("processes.tsv")));
        Assert.Equal(await File.ReadAllBytesAsync(_cli.PathOf("threads.out")), await File.ReadAllBytesAsync(_cli.PathOf("processes.out")));
    }

    [Fact]
    public async Task UnknownExecutor_ExitsTwo()
    {
        string a = _cli.Write("a.tsv", "a\t1\t1\t1\n");

        var run = await _cli.RunAsync(["count", a, "--executor", "fibers"]);

        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Worker_AnswersAHelloOnStdout_AndEndsWhenStdinEnds()
    {
        byte[] hello = [0x01, 0, 0, 0, 0, .. "TLYW"u8, WorkerHost.ProtocolVersion];
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(1), (uint)(hello.Length - 5));
        var stdout = new MemoryStream();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            Out = TextWriter.Null,
            Error = error,
            OpenStandardInput = () => new MemoryStream(hello),
            OpenStandardOutput = () => stdout,
        };

        int code = await TallyApp.RunAsync(["worker"], environment, CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Equal("", error.ToString());
        var reply = stdout.ToArray();
        Assert.Equal(0x81, reply[0]);
        Assert.Equal("TLYW"u8.ToArray(), reply.AsSpan(5, 4).ToArray());
        Assert.Equal(WorkerHost.ProtocolVersion, reply[9]);
        Assert.True(reply.AsSpan(10).IndexOf("ngram-v2"u8) >= 0, "the reply lists the built-in map step");
    }
}
