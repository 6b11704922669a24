using System.Text;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary><see cref="MalformedRowPolicy.Skip"/>: totals of the valid rows alone, counts and examples per source, and the rejects file.</summary>
public sealed class SkipModeTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    /// <summary>Valid v2 rows with every kind of malformed row mixed in, about one in <paramref name="every"/>.</summary>
    internal static byte[] Damaged(int seed, int ngrams, int every = 7)
    {
        string[] bad =
        [
            "", "\r", "x", "x\t1999", "x\t1999\t5", "x\t1999\t5\t1\t9", "\t1999\t5\t1", "x\t19x9\t5\t1", "x\t1999\t-5\t1",
            "x\t1999\t5.0\t1", "x\t1999\t 5\t1", "x\t1999\t9223372036854775808\t1", "x\t1999\t5\t", "x\t1999\t5\t1\rx",
            "x\t\t5\t1", "x\t1999\t" + new string('9', 100) + "\t1",
        ];
        var random = new Random(seed);
        var output = new MemoryStream();
        foreach (string line in Encoding.UTF8.GetString(RandomNgrams.Rows(seed, ngrams, hugeCounts: false)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (random.Next(every) == 0)
            {
                output.Write(Encoding.UTF8.GetBytes(bad[random.Next(bad.Length)] + "\n"));
            }

            output.Write(Encoding.UTF8.GetBytes(line + "\n"));
        }

        return output.ToArray();
    }

    internal static CountOptions Skipping(int workers, int blockSize, string? rejects = null)
        => ReferenceEquivalenceTests.Pipeline(workers, blockSize) with { MalformedRows = MalformedRowPolicy.Skip, RejectsPath = rejects };

    public static TheoryData<int, int> Configurations() => new()
    {
        { 1, 16 },
        { 2, 61 },
        { 3, 16 },
        { 3, 4096 },
        { 8, 200 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Skip_MalformedRows_TotalsEqualTheValidRowsAlone(int workers, int blockSize)
    {
        var files = Enumerable.Range(0, 3).Select(i => Damaged(100 + i, 300)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromStream($"f{i}", new MemoryStream(i == 1 ? RandomNgrams.Gzip(f, 2) : f))).ToArray();

        var result = await CountJob.Start(sources, Skipping(workers, blockSize)).Result.WaitAsync(s_guard);

        Assert.Equal(ReferenceRows.Totals(files), ReferenceCount.FromResult(result));
        Assert.Equal(files.Sum(f => ReferenceRows.Lines(f).Count(l => l.IsRow)), result.Rows);
        foreach (var done in result.Sources)
        {
            var expected = ReferenceRows.Lines(files[done.Index]).Where(l => !l.IsRow).ToList();
            Assert.Equal(expected.Count, done.SkippedRows);

            // The first five by line, whichever worker found them.
            Assert.Equal(expected.Take(5).Select(l => (l.Number, l.Problem)), done.SkippedExamples.Select(r => (r.Line, (string?)r.Reason)));
        }

        Assert.Equal(files.Sum(f => ReferenceRows.Lines(f).Count(l => !l.IsRow)), result.SkippedRows);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Rejects_HoldEveryRowBySourceThenLine_ForAnyWorkerCount(int workers, int blockSize)
    {
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 3).Select(i => Damaged(200 + i, 250, every: 3)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"in/f{i}.tsv", f))).ToArray();
        string rejects = Path.Combine(folder.Path, "rejects.tsv");

        var result = await CountJob.Start(sources, Skipping(workers, blockSize, rejects)).Result.WaitAsync(s_guard);

        byte[] expected = [.. sources.SelectMany((s, i) => ReferenceRows.RejectLines(s.Name, files[i])).SelectMany(b => b)];
        Assert.Equal(expected, await File.ReadAllBytesAsync(rejects));
        Assert.Equal(ReferenceRows.Totals(files), ReferenceCount.FromResult(result));

        // Spill files are unlinked as soon as they are opened: nothing is left beside the result.
        Assert.Equal(["rejects.tsv"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(1, 61)]
    [InlineData(3, 4096)]
    public async Task SkipModes_WithWorkerProcesses_GiveWhatThreadsGive(int workers, int blockSize)
    {
        // Damaged rows in every file, one file truncated (broken), and both skip policies: the
        // totals, per-source reports, left-out files and the rejects file must all be identical.
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 4).Select(i => Damaged(300 + i, 250, every: 4)).ToArray();
        var paths = files.Select((f, i) => folder.Write($"in/f{i}.gz", i == 2 ? RandomNgrams.Gzip(f)[..^9] : RandomNgrams.Gzip(f))).ToArray();
        CountOptions Options(string rejects) => Skipping(workers, blockSize, Path.Combine(folder.Path, rejects)) with { BrokenSources = BrokenSourcePolicy.Skip };

        var threads = await CountJob.Start([.. paths.Select(DataSource.FromFile)], Options("threads.tsv")).Result.WaitAsync(s_guard);
        var processes = await CountJob.Start([.. paths.Select(DataSource.FromFile)],
            Options("processes.tsv") with { Executor = new Tally.Executors.Processes.ProcessExecutor(TestWorker.Command()) }).Result.WaitAsync(s_guard);

        Assert.Equal(ReferenceCount.FromResult(threads), ReferenceCount.FromResult(processes));
        Assert.Equal(ReferenceRows.Totals([files[0], files[1], files[3]]), ReferenceCount.FromResult(processes));
        Assert.Equal([paths[2]], processes.LeftOut.Select(s => s.Name));
        Assert.Equal(Report(threads), Report(processes));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder.Path, "threads.tsv")), await File.ReadAllBytesAsync(Path.Combine(folder.Path, "processes.tsv")));
        Assert.True(processes.SkippedRows > 50);

        // A left-out file's figures say how far it got before the damage showed, which depends on timing.
        static string Report(Output.CountResult result) => string.Join("\n", result.Sources.OrderBy(s => s.Index).Select(s => s.IsLeftOut
            ? $"{s.Name} left out: {s.Error?.Message}"
            : $"{s.Name} {s.Rows} {s.SkippedRows} {string.Join(",", s.SkippedExamples.Select(e => $"{e.Line}:{e.Reason}:{Convert.ToHexString(e.Text)}"))}"));
    }

    [Fact]
    public async Task Rejects_ManyRows_AllWritten()
    {
        using var folder = new TempFolder();
        var text = new StringBuilder();
        for (int i = 1; i <= 100_000; i++)
        {
            text.Append(i % 2 == 0 ? $"w{i % 97}\t2000\t{i}\t1\n" : $"bad row {i}\n");
        }

        var file = Encoding.UTF8.GetBytes(text.ToString());
        string rejects = Path.Combine(folder.Path, "rejects.tsv");
        var source = DataSource.FromStream("many", new MemoryStream(file));

        var result = await CountJob.Start([source], Skipping(3, 4096, rejects)).Result.WaitAsync(s_guard);

        byte[] expected = [.. ReferenceRows.RejectLines("many", file).SelectMany(b => b)];
        Assert.Equal(50_000, result.SkippedRows);
        Assert.Equal(expected, await File.ReadAllBytesAsync(rejects));
    }

    [Fact]
    public async Task Rejects_NoMalformedRows_WritesAnEmptyFile()
    {
        using var folder = new TempFolder();
        string rejects = Path.Combine(folder.Path, "rejects.tsv");

        var source = DataSource.FromStream("ok", new MemoryStream([.. "a\t1\t1\t1\n"u8]));

        await CountJob.Start([source], Skipping(2, 64, rejects));

        Assert.Equal(0, new FileInfo(rejects).Length);
    }

    [Fact]
    public async Task Rejects_JobFails_NoRejectsFile_AndAnExistingOneIsUntouched()
    {
        using var folder = new TempFolder();
        string rejects = folder.Write("rejects.tsv", [.. "before"u8]);
        var sources = new[]
        {
            DataSource.FromStream("bad", new MemoryStream(Damaged(7, 300, every: 2))),
            DataSource.FromStream("cut.gz", new MemoryStream(RandomNgrams.Gzip(RandomNgrams.Rows(8, 300))[..^20])),
        };

        await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start(sources, Skipping(2, 64, rejects)).Result.WaitAsync(s_guard));

        Assert.Equal("before", await File.ReadAllTextAsync(rejects));
        Assert.Equal(["rejects.tsv"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Rejects_Cancelled_NoRejectsFile()
    {
        using var folder = new TempFolder();
        string rejects = Path.Combine(folder.Path, "rejects.tsv");
        using var cancellation = new CancellationTokenSource();
        var endless = new EndlessStream(newlines: true);
        var sources = new[] { DataSource.FromStream("bad", new MemoryStream(Damaged(9, 300, every: 2))), DataSource.FromStream("endless", endless) };
        var job = CountJob.Start(sources, Skipping(2, 64, rejects), cancellationToken: cancellation.Token);
        while (endless.Reads < 20)
        {
            await Task.Delay(5);
        }

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Result.WaitAsync(s_guard));
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public async Task Skip_TotalPast63Bits_IsStillAnError()
    {
        var rows = "big\t1\t9223372036854775807\t1\nbad\nbig\t2\t1\t1\n"u8.ToArray();

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromStream("f", new MemoryStream(rows))], Skipping(1, 16)).Result);

        Assert.Contains("\"big\" passes 2^63-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skip_SerialPath_EqualsPipeline()
    {
        var file = Damaged(31, 400, every: 4);

        var serial = await CountJob.Start([DataSource.FromStream("s", new MemoryStream(file))], Skipping(2, 64) with { SerialThresholdBytes = long.MaxValue });
        var pipeline = await CountJob.Start([DataSource.FromStream("s", new MemoryStream(file))], Skipping(3, 64));

        Assert.Equal(ReferenceCount.FromResult(pipeline), ReferenceCount.FromResult(serial));
        Assert.Equal(pipeline.Sources[0].SkippedExamples.Select(r => r.Line), serial.Sources[0].SkippedExamples.Select(r => r.Line));
        Assert.Equal(pipeline.SkippedRows, serial.SkippedRows);
    }

    [Fact]
    public void Options_RejectsWithoutSkip_AreRejected()
    {
        Assert.Equal("RejectsPath", Assert.Throws<CountOptionsException>(() => CountJob.Start([], new CountOptions { RejectsPath = "r.tsv" })).Option);
    }
}
