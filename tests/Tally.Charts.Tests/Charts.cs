using SkiaSharp;
using Tally.Charts;

namespace Tally.Charts.Tests;

/// <summary>Charts and decoded images for the tests.</summary>
internal static class Charts
{
    /// <summary>Years 1800-2000 and <paramref name="labels"/>.Length smooth lines of fractions around 1e-6 (0.0001%), each its own shape.</summary>
    public static SeriesChart Smooth(ChartScale scale = ChartScale.Percent, params string[] labels)
    {
        if (labels.Length == 0)
        {
            labels = ["hope", "fear", "science"];
        }

        int[] years = Enumerable.Range(1800, 201).ToArray();
        var lines = labels.Select((label, i) => new ChartLine(label, years.Select(year => Fraction(year, i)).ToArray())).ToArray();
        return new SeriesChart(years, lines, $"sample-1.gz, sample-2.gz; smoothing 3", scale);
    }

    /// <summary>A smooth made-up frequency for line <paramref name="line"/>: a rise or fall with a wave, in 0.2e-6 to 2e-6.</summary>
    public static double Fraction(int year, int line)
    {
        double t = (year - 1800) / 200.0;
        double trend = (line % 3) switch
        {
            0 => 1.0 / (1 + Math.Exp(-10 * (t - 0.5))),
            1 => 1 - t * 0.7,
            _ => Math.Exp(-Math.Pow((t - 0.6) / 0.2, 2)),
        };
        return (0.2 + 1.6 * trend + 0.1 * Math.Sin((t * 6) + line)) * 1e-6;
    }

    public static SKBitmap Decode(string path) => SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not an image SkiaSharp can decode");

    /// <summary>The distinct colours of <paramref name="image"/>'s pixels.</summary>
    public static HashSet<SKColor> Colours(SKBitmap image)
    {
        var colours = new HashSet<SKColor>();
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                colours.Add(image.GetPixel(x, y));
            }
        }

        return colours;
    }

    /// <summary>Whether some pixel of <paramref name="image"/> is <paramref name="colour"/>, within <paramref name="tolerance"/> per channel (renderers blend edges, and may round).</summary>
    public static bool HasColour(SKBitmap image, ScottPlot.Color colour, int tolerance = 6)
    {
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                var pixel = image.GetPixel(x, y);
                if (Math.Abs(pixel.Red - colour.R) <= tolerance && Math.Abs(pixel.Green - colour.G) <= tolerance && Math.Abs(pixel.Blue - colour.B) <= tolerance)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
