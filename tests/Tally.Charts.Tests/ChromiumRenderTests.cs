using SkiaSharp;
using Tally.Charts.Rendering;
using Tally.Testing;

namespace Tally.Charts.Tests;

/// <summary>The SVG as a browser shows it: Chromium renders it, and the screenshot is checked.</summary>
public sealed class ChromiumRenderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [ChromiumFact]
    public async Task Svg_InChromium_IsNotBlankAndShowsEveryLineColour()
    {
        using var screenshot = await ScreenshotAsync(Charts.Smooth(ChartScale.Percent, "hope", "fear", "science"), "chart");

        Assert.Equal((1200, 600), (screenshot.Width, screenshot.Height));
        Assert.True(Charts.Colours(screenshot).Count > 10, "the screenshot is nearly blank");
        foreach (var colour in ChartRenderer.Palette(3).Take(3))
        {
            Assert.True(Charts.HasColour(screenshot, colour), $"no pixel has the line colour {colour}");
        }
    }

    [ChromiumFact]
    public async Task Svg_InChromium_DrawsTheLegendText()
    {
        // The same data under other labels of the same width (digits are of one width): the layout
        // is the same, so only the legend's text can differ, and it must, on the right, where the legend is.
        using var one = await ScreenshotAsync(Charts.Smooth(ChartScale.Percent, "1111", "2222", "3333"), "one");
        using var other = await ScreenshotAsync(Charts.Smooth(ChartScale.Percent, "4444", "5555", "6666"), "other");

        var differing = new List<int>();
        for (int y = 0; y < one.Height; y++)
        {
            for (int x = 0; x < one.Width; x++)
            {
                if (one.GetPixel(x, y) != other.GetPixel(x, y))
                {
                    differing.Add(x);
                }
            }
        }

        Assert.True(differing.Count > 50, $"only {differing.Count} pixels differ: the legend's text is not drawn");
        Assert.True(differing.Min() > one.Width / 2, $"pixels differ at x = {differing.Min()}, left of the legend");
    }

    [ChromiumFact]
    public async Task Svg_InChromium_EmptyChartShowsItsTitle()
    {
        var empty = new SeriesChart([], [], "no lines at all", ChartScale.MatchCount);
        var titled = empty with { Title = "a different title" };

        using var one = await ScreenshotAsync(empty, "empty");
        using var other = await ScreenshotAsync(titled, "titled");

        Assert.True(Charts.Colours(one).Count > 2, "the empty chart's screenshot is blank");
        Assert.NotEqual(one.Bytes, other.Bytes);
    }

    private async Task<SKBitmap> ScreenshotAsync(SeriesChart chart, string name)
    {
        string folder = Path.Combine(_folder.Path, name);
        Directory.CreateDirectory(folder);
        string svg = Path.Combine(folder, "chart.svg");
        string png = Path.Combine(folder, "screenshot.png");
        await chart.WriteAsync(svg);
        await Chromium.ScreenshotAsync(svg, png, chart.Width, chart.Height);
        return Charts.Decode(png);
    }
}
