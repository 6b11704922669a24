using Tally.Cli.Rendering;
using Tally.Engine;

namespace Tally.Cli.Tests.Rendering;

/// <summary>The live display as text: snapshots at 60, 80 and 160 columns, and no line ever wider than the terminal.</summary>
public sealed class ProgressLayoutTests
{
    private const string Prefix = "data/googlebooks-eng-all-2gram-20120701-";
    private static readonly int[] s_heights = [1, 3, 5, 30];

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(160)]
    public void ThreeInputs_OneDone_Snapshot(int width)
    {
        var lines = Render(ThreeInputs(), width, 30);

        Snapshot.Match($"three-inputs-{width}", lines);
        Assert.All(lines, l => Assert.True(l.Length <= width, $"{l.Length} > {width}: {l}"));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(160)]
    public void SevenHundredInputs_ShowsOnlyTheReadersAndACountLine(int width)
    {
        var lines = Render(SevenHundred(), width, 30);

        Snapshot.Match($"seven-hundred-inputs-{width}", lines);
        Assert.Equal(3 + 2, lines.Count);
        Assert.StartsWith("all inputs", lines[^1], StringComparison.Ordinal);
        Assert.Contains("3 reading, 1 counting, 600 waiting, 95 done, 1 failed", lines[^2], StringComparison.Ordinal);
    }

    [Fact]
    public void StandardInput_ShowsBytesAndRows_NoPercentageNoEta()
    {
        var tracker = new ProgressTracker();
        tracker.Next(Progress(1, new SourceProgress("<stdin>", null, 1_000_000, 10_000, SourceStatus.Running)));
        var frame = tracker.Next(Progress(2, new SourceProgress("<stdin>", null, 3_000_000, 30_000, SourceStatus.Running)));

        var lines = ProgressLayout.Render(frame, 80, 30);

        Snapshot.Match("standard-input-80", lines);
        Assert.DoesNotContain(lines, l => l.Contains('%', StringComparison.Ordinal) || l.Contains("ETA", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("3.0 MB", StringComparison.Ordinal) && l.Contains("30.0 k rows", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryWidth_NoLineWraps()
    {
        foreach (var snapshots in new[] { ThreeInputs(), SevenHundred() })
        {
            for (int width = 1; width <= 200; width++)
            {
                foreach (int height in s_heights)
                {
                    var lines = Render(snapshots, width, height);
                    Assert.All(lines, l => Assert.True(l.Length <= width, $"{width}x{height}: {l}"));
                    Assert.True(lines.Count <= Math.Max(3, height - 1) + 1, $"{width}x{height}: {lines.Count} lines");
                }
            }
        }
    }

    [Fact]
    public void ColumnsDrop_SpinnerThenEtaThenRateThenSizes()
    {
        var frame = Frame(ThreeInputs());
        string wide = ProgressLayout.Render(frame, 160, 30)[^1];
        Assert.Contains("ETA", wide, StringComparison.Ordinal);
        Assert.Contains("rows/s", wide, StringComparison.Ordinal);
        Assert.Contains("MB", wide, StringComparison.Ordinal);

        var widths = Enumerable.Range(20, 140).Reverse().Select(w => (Width: w, Line: ProgressLayout.Render(frame, w, 30)[^1])).ToList();
        int LastWith(string text) => widths.Where(x => x.Line.Contains(text, StringComparison.Ordinal)).Min(x => x.Width);
        Assert.True(LastWith("ETA") > LastWith("rows/s"));
        Assert.True(LastWith("rows/s") > LastWith("MB"));
    }

    [Fact]
    public void RunningRate_IsRecent_NotSinceTheStart()
    {
        var tracker = new ProgressTracker();
        // 10 s at 1,000 rows/s, then 100,000 rows/s: the rate shown follows the change within the window.
        for (int s = 0; s <= 10; s++)
        {
            tracker.Next(Progress(s, new SourceProgress("a", 1L << 40, s, s * 1_000L, SourceStatus.Running)));
        }

        ProgressFrame frame = null!;
        for (int s = 11; s <= 15; s++)
        {
            frame = tracker.Next(Progress(s, new SourceProgress("a", 1L << 40, s, 10_000 + (s - 10) * 100_000L, SourceStatus.Running)));
        }

        Assert.Equal(100_000, frame.Running[0].RowsPerSecond!.Value, 1);
    }

    [Theory]
    [InlineData("googlebooks-eng-all-2gram-20120701-ab.gz", 20, "googlebook…701-ab.gz")]
    [InlineData("short.gz", 20, "short.gz")]
    public void Shorten_KeepsBothEnds(string name, int width, string expected)
        => Assert.Equal(expected, ProgressLayout.Shorten(name, width));

    private static List<string> Render(IReadOnlyList<CountProgress> snapshots, int width, int height)
        => [.. ProgressLayout.Render(Frame(snapshots), width, height)];

    private static ProgressFrame Frame(IReadOnlyList<CountProgress> snapshots)
    {
        var tracker = new ProgressTracker();
        if (snapshots[0].Sources.Count == 700)
        {
            tracker.Failed();
        }

        ProgressFrame frame = null!;
        foreach (var snapshot in snapshots)
        {
            frame = tracker.Next(snapshot);
        }

        return frame with { Tick = 3 };
    }

    private static CountProgress Progress(double seconds, params SourceProgress[] sources) => new(TimeSpan.FromSeconds(seconds), sources);

    private static List<CountProgress> ThreeInputs()
    {
        const long Size = 78_500_000;
        return [.. Enumerable.Range(1, 2).Select(t => Progress(t,
            new SourceProgress(Prefix + "aa.gz", Size, Size, 13_000_000, SourceStatus.Done),
            new SourceProgress(Prefix + "ab.gz", Size, (long)(t * 20_000_000), (long)(t * 3_300_000), SourceStatus.Running),
            new SourceProgress(Prefix + "ac.gz", Size, (long)(t * 15_000_000), (long)(t * 2_500_000), SourceStatus.Running)))];
    }

    private static List<CountProgress> SevenHundred()
    {
        const long Size = 1_200_000_000;
        var snapshots = new List<CountProgress>();
        for (double t = 60; t <= 61; t++)
        {
            var sources = new SourceProgress[700];
            for (int i = 0; i < 700; i++)
            {
                string name = $"{Prefix}{(char)('a' + i / 26 % 26)}{(char)('a' + i % 26)}-{i:000}.gz";
                sources[i] = i switch
                {
                    < 96 => new SourceProgress(name, Size, Size, 40_000_000, SourceStatus.Done),
                    96 => new SourceProgress(name, Size, Size, 40_000_000, SourceStatus.Running),
                    < 100 => new SourceProgress(name, Size, (long)((t - 50 + i - 97) * 50_000_000), (long)((t - 50) * 1_600_000), SourceStatus.Running),
                    _ => new SourceProgress(name, Size, 0, 0, SourceStatus.Waiting),
                };
            }

            snapshots.Add(new CountProgress(TimeSpan.FromSeconds(t), sources));
        }

        return snapshots;
    }
}
