using System.Text;
using Tally.Engine;
using Tally.Executors.Processes;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary>
/// A malformed row stops the count with the earliest bad row of its file, and with the file given
/// first among those that have one: the same error on every run, for every worker count and executor.
/// </summary>
public sealed class ErrorOrderTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    /// <summary>Valid rows with malformed ones at the given 1-based lines.</summary>
    private static byte[] WithBadRows(int seed, int lines, params int[] bad)
    {
        var rows = Encoding.UTF8.GetString(RandomNgrams.Rows(seed, ngrams: lines, hugeCounts: false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(lines).ToArray();
        Assert.Equal(lines, rows.Length);
        foreach (int line in bad)
        {
            rows[line - 1] = $"bad{line}\t1999\t5";
        }

        return Encoding.UTF8.GetBytes(string.Join('\n', rows) + "\n");
    }

    public static TheoryData<string, int, int> Configurations() => new()
    {
        { "threads", 1, 16 },
        { "threads", 2, 64 },
        { "threads", 4, 64 },
        { "threads", 8, 200 },
        { "serial", 3, 64 },
        { "processes", 1, 64 },
        { "processes", 3, 64 },
    };

    private static CountOptions Options(string executor, int workers, int blockSize) => executor switch
    {
        "serial" => new CountOptions { Workers = workers, BlockSize = blockSize, MaxLineLength = 1 << 16, SerialThresholdBytes = long.MaxValue },
        "processes" => ReferenceEquivalenceTests.Pipeline(workers, blockSize) with { Executor = new ProcessExecutor(TestWorker.Command()) },
        _ => ReferenceEquivalenceTests.Pipeline(workers, blockSize),
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Count_ManyBadRowsInOneFile_NamesTheEarliest_OnEveryRun(string executor, int workers, int blockSize)
    {
        using var folder = new TempFolder();
        string path = folder.Write("f.tsv", WithBadRows(seed: 5, lines: 3000, 1700, 1701, 2200, 2999));

        for (int run = 0; run < 3; run++)
        {
            var error = await Assert.ThrowsAsync<TallyDataException>(() =>
                CountJob.Start([DataSource.FromFile(path)], Options(executor, workers, blockSize)).Result.WaitAsync(s_guard));

            Assert.Equal($"{path}:1700: expected 4 TAB-separated columns, found 3", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Count_BadRowsInSeveralFiles_NamesTheFileGivenFirst(string executor, int workers, int blockSize)
    {
        // The first file's bad row is near its end and the second's on its first line, so with
        // several workers the second file's error is usually found first.
        using var folder = new TempFolder();
        string first = folder.Write("first.tsv", WithBadRows(seed: 6, lines: 4000, 3990));
        string second = folder.Write("second.tsv", WithBadRows(seed: 7, lines: 50, 1));
        string third = folder.Write("third.tsv", WithBadRows(seed: 8, lines: 50, 2));

        for (int run = 0; run < 3; run++)
        {
            var error = await Assert.ThrowsAsync<TallyDataException>(() =>
                CountJob.Start([DataSource.FromFile(first), DataSource.FromFile(second), DataSource.FromFile(third)],
                    Options(executor, workers, blockSize)).Result.WaitAsync(s_guard));

            Assert.Equal($"{first}:3990: expected 4 TAB-separated columns, found 3", error.Message);
        }
    }

    [Fact]
    public async Task Count_BadRowBeforeACorruptEnd_NamesTheRow_AndLeftOutWithSkipBadFiles()
    {
        // A row error lies before the damage, so it is the first problem in file order; with
        // broken files skipped, the file is broken whatever its rows, and is left out.
        using var folder = new TempFolder();
        var gzip = RandomNgrams.Gzip(WithBadRows(seed: 9, lines: 2000, 10));
        string path = folder.Write("f.gz", gzip[..^9]);
        string good = folder.Write("good.tsv", RandomNgrams.Rows(seed: 10, ngrams: 20));

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromFile(path)], Options("threads", 3, 64)).Result.WaitAsync(s_guard));
        Assert.Equal($"{path}:10: expected 4 TAB-separated columns, found 3", error.Message);

        var result = await CountJob.Start([DataSource.FromFile(path), DataSource.FromFile(good)],
            Options("threads", 3, 64) with { BrokenSources = BrokenSourcePolicy.Skip }).Result.WaitAsync(s_guard);
        Assert.Equal([path], result.LeftOut.Select(s => s.Name));
        Assert.Equal(ReferenceCount.Count([RandomNgrams.Rows(seed: 10, ngrams: 20)]), ReferenceCount.FromResult(result));
    }
}
