using System.Text;
using Tally.Engine;
using Tally.Mapping;
using Tally.Sources;

namespace Tally.Testing;

/// <summary>
/// What every format's map step must do when run through <see cref="CountJob"/>: equal a simple
/// reference however the data is cut into blocks and spread over workers, accept CRLF, a missing
/// final newline and empty files, name a malformed row by <c>path:line</c> or skip it exactly,
/// and read gzip (also concatenated members) as the same data.
/// </summary>
/// <remarks>
/// A format's tests derive from this class and supply the step, seeded random valid data, a
/// reference count over valid lines, and some malformed lines with the reason each gives. It lives
/// in Tally.Testing so a format in another assembly inherits the same contract.
/// Keys compare as Latin-1 strings, so invalid UTF-8 compares byte for byte.
/// </remarks>
public abstract class FormatContractTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    /// <summary>The step under test.</summary>
    protected abstract MapStep FormatStep { get; }

    /// <summary>A file of valid lines (LF line ends, ending with LF), the same for the same seed.</summary>
    protected abstract byte[] RandomFile(int seed);

    /// <summary>The expected totals of <paramref name="lines"/> (valid, without their line ends), keyed by the key's bytes as Latin-1.</summary>
    protected abstract Dictionary<string, long> Reference(IEnumerable<byte[]> lines);

    /// <summary>Lines (without their newline) the step must reject, each with a fragment of its reason.</summary>
    protected abstract IReadOnlyList<(byte[] Line, string Reason)> MalformedLines { get; }

    /// <summary>The reason an empty line is malformed, or null when the format accepts it as a line with nothing to count.</summary>
    protected virtual string? EmptyLineReason => null;

    /// <summary>
    /// The options every test runs with, before the step under test is set: by default the
    /// pipeline (no serial path) with the given workers and block size, and lines up to 64 KiB or
    /// the block. A derived class may vary what the public options cannot reach.
    /// </summary>
    protected virtual CountOptions JobOptions(int workers, int blockSize) => new()
    {
        Workers = workers,
        BlockSize = blockSize,
        MaxLineLength = Math.Max(blockSize, 1 << 16),
        SerialThresholdBytes = 0,
    };

    /// <summary>The (block size, workers) pairs every format is counted at.</summary>

    public static TheoryData<int, int> BlocksAndWorkers()
    {
        var data = new TheoryData<int, int>();
        foreach (int workers in new[] { 1, 4 })
        {
            // 16 is the smallest block and below most lines; 17 and 61 are odd, so the cuts fall
            // at every offset in a line; 4096 holds many lines; the default holds the whole file.
            foreach (int blockSize in new[] { 16, 17, 61, 4096, TallyDefaults.BlockSize })
            {
                data.Add(blockSize, workers);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BlocksAndWorkers), MemberType = typeof(FormatContractTests))]
    public async Task RandomData_EqualsTheReference_AtEveryBlockSize(int blockSize, int workers)
    {
        byte[] file = RandomFile(seed: blockSize + workers);

        await AssertCountsAsReference(file, Options(workers, blockSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task EveryLineLongerThanTheBlock_EveryLineIsCut_EqualsTheReference(int workers)
    {
        // Only lines longer than the 16-byte block: each is cut where a read ends and its buffer grows.
        byte[] file = Join(Lines(RandomFile(seed: 16)).Where(l => l.Length >= 16), "\n"u8);
        Assert.NotEmpty(file);

        await AssertCountsAsReference(file, Options(workers, blockSize: 16));
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(4, 61)]
    public async Task CrLfLineEnds_EqualTheReference(int workers, int blockSize)
    {
        byte[] file = Join(Lines(RandomFile(seed: 3)), "\r\n"u8);

        await AssertCountsAsReference(file, Options(workers, blockSize));
    }

    [Theory]
    [InlineData(1, 16, false)]
    [InlineData(4, 61, false)]
    [InlineData(4, 61, true)]
    public async Task NoFinalNewline_TheLastLineCounts(int workers, int blockSize, bool crlf)
    {
        byte[] file = Join(Lines(RandomFile(seed: 5)), crlf ? "\r\n"u8 : "\n"u8);
        file = file[..^(crlf ? 2 : 1)];

        await AssertCountsAsReference(file, Options(workers, blockSize));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EmptyFile_HasNoRowsAndNoKeys(bool gzip)
    {
        var result = await CountFile(gzip ? RandomNgrams.Gzip([]) : [], Options(4, 16));

        Assert.Equal(0, result.Rows);
        Assert.Equal(0, result.Count);
    }

    [Fact]
    public async Task FileOfOnlyANewline_IsOneEmptyLine()
    {
        using var folder = new TempFolder();
        string path = folder.Write("newline", "\n"u8.ToArray());
        var job = CountJob.Start([DataSource.FromFile(path)], Options(2, 16));

        if (EmptyLineReason is { } reason)
        {
            var error = await Assert.ThrowsAsync<TallyDataException>(() => job.Result.WaitAsync(s_guard));
            Assert.Equal($"{path}:1: {reason}", error.Message);
        }
        else
        {
            var result = await job.Result.WaitAsync(s_guard);
            Assert.Equal(0, result.Count);
            Assert.Equal(1, result.Rows);
        }
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(4, 61)]
    [InlineData(4, 4096)]
    public async Task MalformedLine_FailsTheJob_NamingPathAndLine(int workers, int blockSize)
    {
        var good = Lines(RandomFile(seed: 7));
        Assert.True(good.Count > 60, "the random file needs more than 60 lines");
        foreach (var (line, reason) in MalformedLines)
        {
            // Line 57: far enough in that blocks before it (and their lines) come first.
            byte[] file = Join([.. good.Take(56), line, .. good.Skip(56)], "\n"u8);
            using var folder = new TempFolder();
            string path = folder.Write("bad.txt", file);

            var error = await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start([DataSource.FromFile(path)], Options(workers, blockSize)).Result.WaitAsync(s_guard));

            Assert.StartsWith($"{path}:57: ", error.Message, StringComparison.Ordinal);
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
            Assert.Equal(57, error.Line);
            Assert.Equal(path, error.Source);
        }
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(4, 61)]
    [InlineData(4, 4096)]
    public async Task MalformedLines_Skipped_TotalsAreTheGoodLines_AndTheSkippedAreNamed(int workers, int blockSize)
    {
        var good = Lines(RandomFile(seed: 9));
        var bad = MalformedLines.Take(TallyDefaults.RejectExamplesPerSource).ToList();
        Assert.True(good.Count > bad.Count * 13, "the random file needs more lines");

        // A malformed line at line 13, 26, 39, ...: after every 12 good lines.
        var lines = new List<byte[]>();
        var expected = new List<(long Line, string Reason)>();
        for (int i = 0; i < good.Count; i++)
        {
            if (i % 12 == 0 && i / 12 >= 1 && i / 12 <= bad.Count)
            {
                lines.Add(bad[(i / 12) - 1].Line);
                expected.Add((lines.Count, bad[(i / 12) - 1].Reason));
            }

            lines.Add(good[i]);
        }

        var options = Options(workers, blockSize) with { MalformedRows = MalformedRowPolicy.Skip };
        var result = await CountFile(Join(lines, "\n"u8), options);

        Assert.Equal(Reference(good), ReferenceCount.FromResult(result));
        Assert.Equal(bad.Count, result.SkippedRows);
        Assert.Equal(good.Count, result.Rows);
        var skipped = result.Sources.Single().SkippedExamples;
        Assert.Equal(expected.Select(e => e.Line), skipped.Select(r => r.Line));
        Assert.All(expected.Zip(skipped), pair => Assert.Contains(pair.First.Reason, pair.Second.Reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, 1, 16)]
    [InlineData(2, 4, 61)]
    [InlineData(2, 1, 4096)]
    public async Task Gzip_GivesTheSameTotals(int members, int workers, int blockSize)
    {
        byte[] file = RandomFile(seed: 11);
        var plain = await CountFile(file, Options(workers, blockSize));

        var gzip = await CountFile(RandomNgrams.Gzip(file, members), Options(workers, blockSize));

        Assert.Equal(Reference(Lines(file)), ReferenceCount.FromResult(gzip));
        Assert.Equal(ReferenceCount.FromResult(plain), ReferenceCount.FromResult(gzip));
        Assert.Equal(plain.Rows, gzip.Rows);
        Assert.True(gzip.Sources.Single().IsCompressed);
    }

    /// <summary>The lines of <paramref name="file"/> without their LF or CR LF: nothing after a final LF, a last line without one counts.</summary>
    protected static List<byte[]> Lines(byte[] file)
    {
        var lines = new List<byte[]>();
        int start = 0;
        while (start < file.Length)
        {
            int end = Array.IndexOf(file, (byte)'\n', start);
            int stop = end < 0 ? file.Length : end;
            int textEnd = stop > start && file[stop - 1] == (byte)'\r' ? stop - 1 : stop;
            lines.Add(file[start..textEnd]);
            start = stop + 1;
        }

        return lines;
    }

    private static byte[] Join(IEnumerable<byte[]> lines, ReadOnlySpan<byte> newline)
    {
        var output = new MemoryStream();
        foreach (byte[] line in lines)
        {
            output.Write(line);
            output.Write(newline);
        }

        return output.ToArray();
    }

    private CountOptions Options(int workers, int blockSize) => JobOptions(workers, blockSize) with { MapStep = FormatStep };

    private static async Task<Output.CountResult> CountFile(byte[] file, CountOptions options)
    {
        using var folder = new TempFolder();
        string path = folder.Write("data", file);
        return await CountJob.Start([DataSource.FromFile(path)], options).Result.WaitAsync(s_guard);
    }

    private async Task AssertCountsAsReference(byte[] file, CountOptions options)
    {
        var result = await CountFile(file, options);

        var lines = Lines(file);
        Assert.Equal(Reference(lines), ReferenceCount.FromResult(result));
        Assert.Equal(lines.Count, result.Rows);
    }
}
