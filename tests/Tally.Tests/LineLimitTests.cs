using System.Globalization;
using System.Text;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary>Lines longer than a block are read up to <see cref="CountOptions.MaxLineLength"/>, exactly, and never past it.</summary>
public sealed class LineLimitTests
{
    private const int Limit = 300;

    /// <summary>A valid row of exactly <paramref name="length"/> bytes before its newline.</summary>
    private static string RowOfLength(int length, string key = "k")
    {
        string tail = "\t1999\t7\t1";
        return key + new string('x', length - key.Length - tail.Length) + tail;
    }

    private static Task<Output.CountResult> Count(string text, int workers, int blockSize, bool gzip = false, BrokenSourcePolicy broken = BrokenSourcePolicy.Fail)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var source = DataSource.FromStream("long", new MemoryStream(gzip ? RandomNgrams.Gzip(bytes) : bytes));
        var options = ReferenceEquivalenceTests.Pipeline(workers, blockSize) with { MaxLineLength = Limit, BrokenSources = broken };
        return CountJob.Start([source], options).Result;
    }

    public static TheoryData<int, int, bool> Configurations() => new()
    {
        { 1, 16, false },
        { 2, 64, true },
        { 3, 100, false },
        { 2, Limit, true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Count_LineOfExactlyTheLimit_IsAccepted(int workers, int blockSize, bool gzip)
    {
        string text = $"a\t1\t1\t1\n{RowOfLength(Limit)}\nb\t1\t2\t1\n";

        var result = await Count(text, workers, blockSize, gzip);

        Assert.Equal(3, result.Rows);
        Assert.Equal(2, result.GetTotal("b"));
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Count_LineOneByteOverTheLimit_FailsWithItsLineNumber(int workers, int blockSize, bool gzip)
    {
        string text = $"a\t1\t1\t1\nb\t1\t1\t1\n{RowOfLength(Limit + 1)}\nc\t1\t2\t1\n";

        var error = await Assert.ThrowsAsync<TallyDataException>(() => Count(text, workers, blockSize, gzip));

        Assert.Equal($"long:3: line is longer than the limit of {Limit} bytes", error.Message);
    }

    [Theory]
    [InlineData(Limit, true)]
    [InlineData(Limit + 1, false)]
    public async Task Count_LastLineWithoutNewline_HasTheSameLimit(int length, bool accepted)
    {
        string text = $"a\t1\t1\t1\n{RowOfLength(length)}";

        var count = Count(text, 2, 32);

        if (accepted)
        {
            Assert.Equal(2, (await count).Rows);
        }
        else
        {
            await Assert.ThrowsAsync<TallyDataException>(() => count);
        }
    }

    [Fact]
    public async Task Count_CarriageReturnCountsTowardsTheLimit()
    {
        string text = $"{RowOfLength(Limit)}\r\n";

        var error = await Assert.ThrowsAsync<TallyDataException>(() => Count(text, 1, 64));

        Assert.Equal(1, error.Line);
    }

    [Fact]
    public async Task Count_FileWithoutNewlines_FailsAtTheLimit_NotAtItsEnd()
    {
        // 10 MB of one line: the reader must give up after the limit, not buffer the whole file.
        var source = DataSource.FromStream("binary", new EndlessStream(newlines: false));
        var options = ReferenceEquivalenceTests.Pipeline(2, 64) with { MaxLineLength = 1 << 16 };

        var error = await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start([source], options).Result.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("longer than the limit of 65,536 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SkipBadFiles_LineOverTheLimit_LeavesTheFileOut()
    {
        string text = $"a\t1\t1\t1\n{RowOfLength(Limit + 1)}\n";

        var result = await Count(text, 2, 16, broken: BrokenSourcePolicy.Skip);

        Assert.Equal(0, result.Count);
        Assert.Equal($"long:2: line is longer than the limit of {Limit} bytes", Assert.Single(result.LeftOut).Error!.Message);
    }

    [Theory]
    [InlineData(1, BrokenSourcePolicy.Fail)]
    [InlineData(3, BrokenSourcePolicy.Fail)]
    [InlineData(1, BrokenSourcePolicy.Skip)]
    [InlineData(3, BrokenSourcePolicy.Skip)]
    public async Task LineOverTheLimit_AfterManyBlocks_NamesItsLineInTheFile(int workers, BrokenSourcePolicy broken)
    {
        // Blocks of 16 bytes: each row before the long one is a block or two, counted by any worker
        // while the reader is already past them, so the line comes from their rows, not a count.
        var text = new StringBuilder();
        for (int i = 0; i < 120; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"w{i % 7}\t{1900 + i}\t{i + 1}\t1\n");
        }

        text.Append(RowOfLength(Limit + 1)).Append("\nz\t1\t1\t1\n");
        string expected = $"long:121: line is longer than the limit of {Limit} bytes";

        if (broken == BrokenSourcePolicy.Fail)
        {
            var error = await Assert.ThrowsAsync<TallyDataException>(() => Count(text.ToString(), workers, 16, broken: broken));
            Assert.Equal(expected, error.Message);
        }
        else
        {
            var result = await Count(text.ToString(), workers, 16, broken: broken);
            Assert.Equal(expected, Assert.Single(result.LeftOut).Error!.Message);
        }
    }

    [Fact]
    public void Options_LimitBelowABlockOrAboveTheCeiling_AreRejected()
    {
        Assert.Throws<CountOptionsException>(() => CountJob.Start([], new CountOptions { BlockSize = 1024, MaxLineLength = 1000 }));
        Assert.Throws<CountOptionsException>(() => CountJob.Start([], new CountOptions { MaxLineLength = TallyDefaults.MaxLineLengthCeiling + 1 }));
    }
}
