using Tally.Engine;
using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>Every configuration of the engine must equal the naive reference, exactly.</summary>
public sealed class ReferenceEquivalenceTests
{
    public static TheoryData<int, int, bool> Configurations()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (int workers in new[] { 1, 2, 3, 8 })
        {
            // 16 bytes is below most rows' length, so rows cross every block edge and buffers grow.
            foreach (int blockSize in new[] { 16, 61, 4096, TallyDefaults.BlockSize })
            {
                foreach (bool gzip in new[] { false, true })
                {
                    data.Add(workers, blockSize, gzip);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Count_RandomFiles_EqualsReference(int workers, int blockSize, bool gzip)
    {
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 4).Select(i => RandomNgrams.Rows(seed: (workers * 1000) + i, ngrams: 300 + (i * 150), crlf: i == 2, finalNewline: i != 1)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"f{i}", gzip ? RandomNgrams.Gzip(f, members: i + 1) : f))).ToArray();

        var result = await CountJob.Start(sources, Pipeline(workers, blockSize));

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        Assert.Equal(files.Sum(f => (long)CountLines(f)), result.Rows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Count_SerialPath_EqualsPipeline(int workers)
    {
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 3).Select(i => RandomNgrams.Rows(seed: 77 + i, ngrams: 200)).ToArray();
        var paths = files.Select((f, i) => folder.Write($"f{i}.gz", RandomNgrams.Gzip(f))).ToArray();

        var serial = await CountJob.Start([.. paths.Select(DataSource.FromFile)], new CountOptions { Workers = workers, SerialThresholdBytes = long.MaxValue });
        var pipeline = await CountJob.Start([.. paths.Select(DataSource.FromFile)], Pipeline(workers, 64));

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(serial));
        Assert.Equal(ReferenceCount.FromResult(serial), ReferenceCount.FromResult(pipeline));
    }

    [Fact]
    public async Task Count_SourceOrder_DoesNotChangeTotals()
    {
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 5).Select(i => RandomNgrams.Rows(seed: 5 + i, ngrams: 150)).ToArray();
        var paths = files.Select((f, i) => folder.Write($"f{i}", f)).ToArray();

        var forward = await CountJob.Start([.. paths.Select(DataSource.FromFile)], Pipeline(3, 100));
        var backward = await CountJob.Start([.. paths.Reverse().Select(DataSource.FromFile)], Pipeline(2, 333));

        Assert.Equal(ReferenceCount.FromResult(forward), ReferenceCount.FromResult(backward));
    }

    [Fact]
    public async Task Count_StandardInputStream_EqualsReference()
    {
        var file = RandomNgrams.Rows(seed: 11, ngrams: 400);
        var source = DataSource.FromStream("<stdin>", new MemoryStream(RandomNgrams.Gzip(file, members: 3)));

        var result = await CountJob.Start([source], Pipeline(2, 128));

        Assert.Equal(ReferenceCount.Count([file]), ReferenceCount.FromResult(result));
    }

    internal static CountOptions Pipeline(int workers, int blockSize) => new()
    {
        Workers = workers,
        BlockSize = blockSize,
        MaxLineLength = Math.Max(blockSize, 1 << 16),
        SerialThresholdBytes = 0,

        // Odd worker counts fold every finished table into one; even ones leave them to the sort.
        UnfoldedTableBytes = workers % 2 == 1 ? 0 : TallyDefaults.UnfoldedTableBytes,
    };

    private static int CountLines(byte[] file)
        => file.Length == 0 ? 0 : file.AsSpan().Count((byte)'\n') + (file[^1] == (byte)'\n' ? 0 : 1);
}
