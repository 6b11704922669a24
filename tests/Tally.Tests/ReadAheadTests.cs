using System.Text;
using Tally.Aggregation;
using Tally.Execution;
using Tally.Formats.NgramV2;
using Tally.Parsing;
using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// <see cref="TaskSettings.ReadAhead"/> (what a cluster node counts with) gives what reading on the
/// counting task gives: the same table, figures, skipped rows and error, at every block boundary.
/// </summary>
public sealed class ReadAheadTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1, 16, false)]
    [InlineData(1, 61, true)]
    [InlineData(2, 97, true)]
    [InlineData(3, 4096, false)]
    [InlineData(2, TallyDefaults.BlockSize, true)]
    public async Task RandomFiles_EqualReference_AndTheSameFigures(int depth, int blockSize, bool gzip)
    {
        using var folder = new TempFolder();
        for (int seed = 0; seed < 4; seed++)
        {
            var rows = RandomNgrams.Rows(seed: (depth * 1000) + seed, ngrams: 200 + (seed * 150), crlf: seed == 2, finalNewline: seed != 1);
            var source = DataSource.FromFile(folder.Write($"f{seed}", gzip ? RandomNgrams.Gzip(rows, members: seed + 1) : rows));

            var plain = await CountAsync(source, Settings(blockSize, 0));
            var ahead = await CountAsync(source, Settings(blockSize, depth));

            Assert.Null(ahead.Error);
            Assert.Equal(ReferenceCount.Count([rows]), Totals(ahead.Table));
            Assert.Equal(plain.Figures, ahead.Figures);
            Assert.Equal(plain.Format, ahead.Format);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(1024)]
    public async Task BadRow_TheSameErrorAndLine(int blockSize)
    {
        using var folder = new TempFolder();
        var rows = RandomNgrams.Rows(seed: 7, ngrams: 400);
        int cut = Array.IndexOf(rows, (byte)'\n', rows.Length / 2) + 1;
        byte[] bad = [.. rows.AsSpan(0, cut), .. "broken\t1\t1\n"u8, .. rows.AsSpan(cut)];
        var source = DataSource.FromFile(folder.Write("bad", bad));

        var plain = await CountAsync(source, Settings(blockSize, 0));
        var ahead = await CountAsync(source, Settings(blockSize, 2));

        var expected = Assert.IsType<TallyDataException>(plain.Error);
        var actual = Assert.IsType<TallyDataException>(ahead.Error);
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(expected.Line, actual.Line);
        Assert.False(ahead.IsBroken);
    }

    [Fact]
    public async Task SkippedRows_TheSameRejects()
    {
        using var folder = new TempFolder();
        var text = new StringBuilder();
        for (int i = 0; i < 500; i++)
        {
            text.Append(i % 37 == 5 ? $"bad{i}\tx\t1\t1\n" : $"w{i % 50}\t{1900 + (i % 9)}\t{i}\t1\n");
        }

        var source = DataSource.FromFile(folder.Write("mixed.gz", RandomNgrams.Gzip(Encoding.UTF8.GetBytes(text.ToString()), members: 3)));
        var plainRejects = new RejectSink();
        var aheadRejects = new RejectSink();

        var plain = await SourceCounter.CountAsync(source, Settings(32, 0) with { MalformedRows = MalformedRowPolicy.Skip }, plainRejects, null, CancellationToken.None).WaitAsync(s_guard);
        var ahead = await SourceCounter.CountAsync(source, Settings(32, 2) with { MalformedRows = MalformedRowPolicy.Skip }, aheadRejects, null, CancellationToken.None).WaitAsync(s_guard);

        Assert.Null(ahead.Error);
        Assert.Equal(Totals(plain.Table), Totals(ahead.Table));
        Assert.True(plainRejects.Count > 10);
        Assert.Equal(plainRejects.Rows.Select(r => (r.Line, r.Reason)), aheadRejects.Rows.Select(r => (r.Line, r.Reason)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task TruncatedGzip_IsTheSourcesBrokenError(int depth)
    {
        using var folder = new TempFolder();
        var whole = RandomNgrams.Gzip(RandomNgrams.Rows(9, 3000));
        string cut = folder.Write("cut.gz", whole.AsSpan(0, whole.Length / 2).ToArray());

        var count = await CountAsync(DataSource.FromFile(cut), Settings(1024, depth));

        var error = Assert.IsType<TallyDataException>(count.Error);
        Assert.StartsWith($"{cut}: truncated gzip", error.Message, StringComparison.Ordinal);
        Assert.True(count.IsBroken);
    }

    [Fact]
    public async Task Cancelled_Throws_NeverAShortCount()
    {
        using var folder = new TempFolder();
        using var endless = Fifo.Endless(Path.Combine(folder.Path, "endless"));
        using var stop = new CancellationTokenSource();
        long seen = 0;

        var counting = SourceCounter.CountAsync(DataSource.FromFile(endless.Path), Settings(4096, 2), null, figures =>
        {
            if (Interlocked.Exchange(ref seen, figures.Rows) == 0 && figures.Rows > 0)
            {
                stop.Cancel();
            }
        }, stop.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => counting.WaitAsync(s_guard));
    }

    private static TaskSettings Settings(int blockSize, int readAhead)
        => new(NgramV2MapStep.Instance, blockSize, Math.Max(blockSize, 1 << 16), MalformedRowPolicy.Fail, BrokenSourcePolicy.Fail) { ReadAhead = readAhead };

    private static Task<SourceCount> CountAsync(DataSource source, TaskSettings settings)
        => SourceCounter.CountAsync(source, settings, null, null, CancellationToken.None).WaitAsync(s_guard);

    private static Dictionary<string, long> Totals(CountTable table)
    {
        var totals = new Dictionary<string, long>();
        table.ForEach(ref totals, static (ref Dictionary<string, long> all, ReadOnlySpan<byte> key, long total) => all[Encoding.Latin1.GetString(key)] = total);
        return totals;
    }
}
