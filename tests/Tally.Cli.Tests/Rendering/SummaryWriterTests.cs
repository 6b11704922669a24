using Tally.Cli.Rendering;
using Tally.Engine;

namespace Tally.Cli.Tests.Rendering;

/// <summary>The closing summary: headers, one input said as one, and widths.</summary>
public sealed class SummaryWriterTests
{
    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(160)]
    public void Inputs_HaveHeaders_AndFitTheWidth(int width)
    {
        SourceCompletion[] sources =
        [
            new(1, "data/googlebooks-eng-all-2gram-20120701-ab.gz", true, 78_400_000, 298_300_000, 13_000_000, TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(1.9)),
            new(0, "data/googlebooks-eng-all-2gram-20120701-aa.gz", true, 78_500_000, 297_600_000, 13_000_000, TimeSpan.Zero, TimeSpan.FromSeconds(2.0)),
            new(2, "data/notes.tsv", false, 1_000, 1_000, 10, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2.1)),
        ];

        var lines = SummaryWriter.InputLines(sources, width);

        Snapshot.Match($"summary-{width}", lines);
        Assert.All(lines, l => Assert.True(l.Length <= width, l));
        Assert.Contains("input", lines[1], StringComparison.Ordinal);
        Assert.Contains("rows", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void ManyInputs_ListsTheTenSlowest()
    {
        var sources = Enumerable.Range(0, 700)
            .Select(i => new SourceCompletion(i, $"f{i}.gz", true, 10, 100, 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(i + 1)))
            .ToList();

        var lines = SummaryWriter.InputLines(sources, 80);

        Assert.Equal("The 10 slowest of 700 inputs, in completion order:", lines[0]);
        Assert.Equal(12, lines.Count);
        Assert.Contains("f699.gz", lines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "1 input")]
    [InlineData(3, "3 inputs")]
    public void Plural_SaysOneInput(long count, string expected) => Assert.Equal(expected, Units.Plural(count, "input"));
}
