using System.Text.RegularExpressions;
using System.Xml.Linq;
using Tally.Charts.Rendering;
using Tally.Testing;

namespace Tally.Charts.Tests;

public sealed partial class SeriesChartTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Png_DefaultSize_Is1200x600WithEveryLineColour()
    {
        var chart = Charts.Smooth();
        string path = Path.Combine(_folder.Path, "chart.png");

        await chart.WriteAsync(path);

        using var image = Charts.Decode(path);
        Assert.Equal((1200, 600), (image.Width, image.Height));
        Assert.True(Charts.Colours(image).Count > 10, "the image is nearly blank");
        foreach (var colour in ChartRenderer.Palette(3).Take(3))
        {
            Assert.True(Charts.HasColour(image, colour, tolerance: 2), $"no pixel has the line colour {colour}");
        }
    }

    [Fact]
    public async Task Png_GivenSize_IsThatSize()
    {
        string path = Path.Combine(_folder.Path, "small.PNG");

        await (Charts.Smooth() with { Width = 640, Height = 360 }).WriteAsync(path);

        using var image = Charts.Decode(path);
        Assert.Equal((640, 360), (image.Width, image.Height));
    }

    [Fact]
    public async Task Svg_HoldsTitleAxisTitlesAndLegendAsText()
    {
        var chart = Charts.Smooth(ChartScale.Percent, "hope", "fear", "science");

        var texts = await SvgTextsAsync(chart);

        Assert.Contains(chart.Title, texts);
        Assert.Contains("Year", texts);
        Assert.Contains("Frequency (%)", texts);
        Assert.Contains("hope", texts);
        Assert.Contains("fear", texts);
        Assert.Contains("science", texts);
    }

    [Theory]
    [InlineData(ChartScale.MatchCount, "Match count")]
    [InlineData(ChartScale.Percent, "Frequency (%)")]
    [InlineData(ChartScale.PerMillion, "Frequency (per million words)")]
    public async Task Svg_YAxisTitle_NamesTheScale(ChartScale scale, string title)
    {
        var texts = await SvgTextsAsync(Charts.Smooth(scale));

        Assert.Contains(title, texts);
    }

    [Fact]
    public async Task Svg_Years_HaveNoThousandsSeparators()
    {
        var texts = await SvgTextsAsync(Charts.Smooth());

        Assert.Contains("1900", texts);
        Assert.Contains("2000", texts);
        Assert.DoesNotContain(texts, text => text.StartsWith("1,", StringComparison.Ordinal) || text.StartsWith("2,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Svg_TinyPercentages_AreDecimalsNotScientific()
    {
        // Fractions near 1e-6 are about 0.0001%: the Viewer's kind of number.
        var texts = await SvgTextsAsync(Charts.Smooth(ChartScale.Percent));

        Assert.DoesNotContain(texts, text => Scientific().IsMatch(text));
        var ticks = texts.Where(text => Decimal().IsMatch(text)).ToList();
        Assert.Contains("0.00000", ticks);
        Assert.Contains("0.00010", ticks);
        Assert.True(ticks.Count >= 4, $"too few y ticks: {string.Join(", ", ticks)}");
    }

    [Fact]
    public async Task Svg_PerMillion_ScalesTheFractions()
    {
        var texts = await SvgTextsAsync(Charts.Smooth(ChartScale.PerMillion));

        Assert.Contains("1.0", texts);
        Assert.DoesNotContain(texts, text => Scientific().IsMatch(text));
    }

    [Fact]
    public async Task Svg_UnicodeLabels_AreKeptAsTheyAre()
    {
        string[] labels = ["naïve", "中国", "Ελλάδα", "café au lait"];

        var texts = await SvgTextsAsync(Charts.Smooth(ChartScale.Percent, labels));

        foreach (string label in labels)
        {
            Assert.Contains(label, texts);
        }
    }

    [Fact]
    public async Task Png_UnicodeLabels_Render()
    {
        string path = Path.Combine(_folder.Path, "unicode.png");

        await Charts.Smooth(ChartScale.Percent, "naïve", "中国", "Ελλάδα").WriteAsync(path);

        using var image = Charts.Decode(path);
        Assert.Equal(1200, image.Width);
    }

    [Fact]
    public void Fonts_ChineseLabel_GetsAFontWithItsGlyphsWhenTheMachineHasOne()
    {
        string font = ChartFonts.For("中国");
        using var typeface = SkiaSharp.SKTypeface.FromFamilyName(font);
        bool installed = SkiaSharp.SKFontManager.Default.FontFamilies.Any(family =>
        {
            using var candidate = SkiaSharp.SKTypeface.FromFamilyName(family);
            return candidate.ContainsGlyph('中');
        });

        // With no CJK font installed (.ci/run installs one), the chart's own font is kept: boxes, not a failure.
        Assert.Equal(installed, typeface.ContainsGlyph('中'));
        Assert.Equal(installed ? font : ChartFonts.Base, font);
        Assert.Equal(ChartFonts.Base, ChartFonts.For("naïve"));
    }

    [Fact]
    public void Palette_TwentyLines_AreTwentyColours()
    {
        Assert.Equal(20, ChartRenderer.Palette(20).Take(20).Distinct().Count());
        Assert.Equal(10, ChartRenderer.Palette(10).Take(10).Distinct().Count());
    }

    [Fact]
    public async Task Svg_TwentyLines_AllInTheLegend()
    {
        string[] labels = Enumerable.Range(1, 20).Select(i => $"query {i}").ToArray();

        var texts = await SvgTextsAsync(Charts.Smooth(ChartScale.Percent, labels));

        foreach (string label in labels)
        {
            Assert.Contains(label, texts);
        }
    }

    public static TheoryData<string, int[], double[][]> EdgeCases => new()
    {
        { "no lines", [1900, 1901], [] },
        { "no years, no lines", [], [] },
        { "no years", [], [[]] },
        { "one year", [1950], [[3e-6], [1e-6]] },
        { "all zero", [1900, 1901, 1902], [[0, 0, 0]] },
        { "negative", [1900, 1901], [[-1, 1]] },
        { "not a number", [1900, 1901, 1902], [[1, double.NaN, 2]] },
        { "infinite", [1900, 1901, 1902], [[1, double.PositiveInfinity, double.NegativeInfinity]] },
        { "nothing finite", [1900, 1901], [[double.NaN, double.NaN]] },
        { "huge", [1900, 1901], [[0, 1e300]] },
    };

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public async Task EdgeCase_DrawsAChartWithItsTitle(string name, int[] years, double[][] values)
    {
        var chart = new SeriesChart(years, values.Select((line, i) => new ChartLine($"line {i}", line)).ToArray(), name, ChartScale.MatchCount);
        string png = Path.Combine(_folder.Path, "edge.png");

        await chart.WriteAsync(png);
        var texts = await SvgTextsAsync(chart);

        using var image = Charts.Decode(png);
        Assert.Equal((1200, 600), (image.Width, image.Height));
        Assert.Contains(name, texts);
    }

    [Theory]
    [InlineData("chart.svg", true)]
    [InlineData("chart.SVG", true)]
    [InlineData("/a/b/chart.png", true)]
    [InlineData("chart.Png", true)]
    [InlineData("chart.jpg", false)]
    [InlineData("svg", false)]
    [InlineData("chart.svg.gz", false)]
    [InlineData("", false)]
    public void IsChartPath_SvgOrPngInAnyCase(string path, bool expected)
    {
        Assert.Equal(expected, SeriesChart.IsChartPath(path));
    }

    [Fact]
    public async Task Write_OtherExtension_IsAnArgumentError()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Charts.Smooth().WriteAsync(Path.Combine(_folder.Path, "chart.jpg")));

        Assert.Contains(".svg or .png", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_LineWithTooFewValues_FailsAndKeepsTheOldFile()
    {
        string path = _folder.Write("chart.svg", "old"u8.ToArray());
        var chart = new SeriesChart([1900, 1901], [new ChartLine("short", [1.0])], "t", ChartScale.MatchCount);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => chart.WriteAsync(path));

        Assert.Contains("short", error.Message, StringComparison.Ordinal);
        Assert.Equal("old", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public async Task Write_IntoAMissingFolder_IsAnIOError()
    {
        await Assert.ThrowsAnyAsync<IOException>(() => Charts.Smooth().WriteAsync(Path.Combine(_folder.Path, "missing", "chart.png")));
    }

    [Fact]
    public async Task Write_Cancelled_LeavesNoFile()
    {
        string path = Path.Combine(_folder.Path, "chart.png");
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Charts.Smooth().WriteAsync(path, cancel.Token));

        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public async Task Write_ReplacesAnExistingChart()
    {
        string path = _folder.Write("chart.svg", "old"u8.ToArray());

        await Charts.Smooth().WriteAsync(path);

        Assert.Contains("<svg", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Theory]
    [InlineData(0, 1.26e-4, "0.00000", "0.00012")]
    [InlineData(0, 12_600_000, "0", "12,000,000")]
    [InlineData(0, 1.05, "0.0", "1.0")]
    [InlineData(0, 7.35, "0", "7")]
    [InlineData(-2, 2, "-2.0", "2.0")]
    [InlineData(0, 1.05e300, "0E+0", "1E+300")]
    public void AxisTicks_HaveTheDecimalsTheirStepNeeds(double low, double high, string first, string last)
    {
        var labels = AxisTicks.Between(low, high).Select(tick => tick.Label).ToList();

        Assert.Equal(first, labels[0]);
        Assert.Equal(last, labels[^1]);
        Assert.InRange(labels.Count, 4, 11);
        Assert.Equal(labels.Count, labels.Distinct().Count());
    }

    [Fact]
    public void AxisTicks_Year_HasNoSeparator()
    {
        Assert.Equal("1900", AxisTicks.Year(1900));
        Assert.Equal("12000", AxisTicks.Year(12000));
    }

    /// <summary>The example in docs/screens: three made-up smooth lines over 1800-2000. Rewritten there with TALLY_UPDATE_SCREENS=1.</summary>
    [Fact]
    public async Task Example_ThreeSmoothLines()
    {
        string path = Environment.GetEnvironmentVariable("TALLY_UPDATE_SCREENS") == "1"
            ? Path.Combine(RepositoryRoot(), "docs", "screens", "series-example.png")
            : Path.Combine(_folder.Path, "series-example.png");

        await Charts.Smooth(ChartScale.Percent, "hope", "fear", "science").WriteAsync(path);

        using var image = Charts.Decode(path);
        Assert.Equal((1200, 600), (image.Width, image.Height));
    }

    private async Task<List<string>> SvgTextsAsync(SeriesChart chart)
    {
        string path = Path.Combine(_folder.Path, $"{Guid.NewGuid():N}.svg");
        await chart.WriteAsync(path);
        var svg = XDocument.Load(path);
        return svg.Descendants().Where(element => element.Name.LocalName == "text").Select(element => element.Value.Trim()).ToList();
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Tally.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new DirectoryNotFoundException("no Tally.slnx above the test assembly");
    }

    [GeneratedRegex(@"\d[eE][-+]?\d")]
    private static partial Regex Scientific();

    [GeneratedRegex(@"^-?\d+\.\d+$")]
    private static partial Regex Decimal();
}
