using System.Text;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>The edges real files have: empty files among others, huge counts, long lines, gzip members.</summary>
/// <remarks>CRLF, a missing final newline and an empty file are in the format contract (Formats/FormatContractTests).</remarks>
public sealed class BoundaryTests
{
    private static Task<Output.CountResult> CountText(string text, int workers = 2, int blockSize = 32)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var source = DataSource.FromStream("test", new MemoryStream(bytes));
        return CountJob.Start([source], ReferenceEquivalenceTests.Pipeline(workers, blockSize)).Result;
    }

    [Fact]
    public async Task Count_EmptyFilesAmongOthers_AreCounted()
    {
        using var folder = new TempFolder();
        var sources = new[]
        {
            DataSource.FromFile(folder.Write("empty1", [])),
            DataSource.FromFile(folder.Write("one", "w\t1999\t5\t1\n"u8.ToArray())),
            DataSource.FromFile(folder.Write("empty2.gz", RandomNgrams.Gzip([]))),
        };

        var result = await CountJob.Start(sources, ReferenceEquivalenceTests.Pipeline(2, 16));

        Assert.Equal(5, result.GetTotal("w"));
        Assert.Equal(3, result.Sources.Count);
    }

    [Fact]
    public async Task Count_SingleRowPast2To31_AndTotalPast2To32_AreExact()
    {
        var result = await CountText("big\t1\t3000000000\t1\nbig\t2\t3000000000\t1\nbig\t3\t2147483648\t1\n", blockSize: 16);

        Assert.Equal(8_147_483_648L, result.GetTotal("big"));
    }

    [Fact]
    public async Task Count_TotalPast63Bits_IsAnErrorNamingTheNgram()
    {
        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountText("big\t1\t9223372036854775807\t1\nbig\t2\t1\t1\n"));

        Assert.Contains("\"big\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("2^63-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_TotalPast63BitsAcrossFiles_IsAnErrorNamingTheNgram()
    {
        using var folder = new TempFolder();
        var sources = new[]
        {
            DataSource.FromFile(folder.Write("x", "big\t1\t9223372036854775000\t1\n"u8.ToArray())),
            DataSource.FromFile(folder.Write("y", "big\t1\t1000\t1\n"u8.ToArray())),
        };

        var error = await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start(sources, ReferenceEquivalenceTests.Pipeline(2, 16)).Result);

        Assert.Contains("\"big\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_LineLongerThanBlock_GrowsTheBuffer()
    {
        string longKey = new('x', 5000);
        var result = await CountText($"a\t1\t1\t1\n{longKey}\t1\t9\t1\nb\t1\t2\t1\n", blockSize: 64);

        Assert.Equal(9, result.GetTotal(longKey));
        Assert.Equal(2, result.GetTotal("b"));
    }

    [Fact]
    public async Task Count_LineLongerThanLimit_FailsWithLineNumber()
    {
        var bytes = Encoding.UTF8.GetBytes($"a\t1\t1\t1\n{new string('x', 5000)}\t1\t9\t1\n");
        var options = ReferenceEquivalenceTests.Pipeline(1, 64) with { MaxLineLength = 1024 };

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromStream("long", new MemoryStream(bytes))], options).Result);

        Assert.Equal(2, error.Line);
        Assert.Contains("longer than the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_InvalidUtf8Key_IsKeptByteForByte()
    {
        byte[] key = [0x61, 0xFF, 0xFE, 0x62];
        byte[] row = [.. key, .. "\t1\t42\t1\n"u8];

        var result = await CountJob.Start([DataSource.FromStream("bin", new MemoryStream(row))], ReferenceEquivalenceTests.Pipeline(1, 16));

        Assert.Equal(42, result.GetTotal(key));
        Assert.Equal(key, result.Sorted().Single().Utf8.ToArray());
    }

    [Fact]
    public async Task Count_ConcatenatedGzipMembers_AreReadInFull()
    {
        var rows = RandomNgrams.Rows(seed: 3, ngrams: 500);
        var result = await CountJob.Start([DataSource.FromStream("multi", new MemoryStream(RandomNgrams.Gzip(rows, members: 7)))],
            ReferenceEquivalenceTests.Pipeline(2, 256));

        Assert.Equal(ReferenceCount.Count([rows]), ReferenceCount.FromResult(result));
    }

    [Fact]
    public async Task Count_GzipDetectedByMagicBytes_NotByName()
    {
        using var folder = new TempFolder();
        var rows = "w\t1\t4\t1\n"u8.ToArray();
        var sources = new[]
        {
            DataSource.FromFile(folder.Write("plain.gz", rows)),
            DataSource.FromFile(folder.Write("compressed.txt", RandomNgrams.Gzip(rows))),
        };

        var result = await CountJob.Start(sources, ReferenceEquivalenceTests.Pipeline(2, 16));

        Assert.Equal(8, result.GetTotal("w"));
        Assert.False(result.Sources.Single(s => s.Name.EndsWith("plain.gz", StringComparison.Ordinal)).IsCompressed);
        Assert.True(result.Sources.Single(s => s.Name.EndsWith("compressed.txt", StringComparison.Ordinal)).IsCompressed);
    }
}
