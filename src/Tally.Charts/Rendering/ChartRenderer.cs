using System.Text;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Tally.Charts.Rendering;

/// <summary>Draws a <see cref="SeriesChart"/> with ScottPlot, into an SVG or PNG file's bytes.</summary>
/// <remarks>Each call builds a plot of its own: nothing is shared between charts but the font choice.</remarks>
internal static class ChartRenderer
{
    /// <summary>Line width in pixels: clear at 1200x600 without merging neighbouring lines.</summary>
    private const float LineWidth = 2;

    /// <summary>The marker of a chart with one year, where a line has no length to draw.</summary>
    private const float SingleYearMarkerSize = 8;

    /// <summary>Text sizes in points: a little above ScottPlot's defaults, to read at 1200x600 shown smaller.</summary>
    private const float TitleSize = 18;
    private const float LegendSize = 14;
    private const float TickSize = 13;

    /// <summary>Headroom above the highest value, as a fraction of it, so the top line is not drawn on the frame.</summary>
    private const double Headroom = 0.05;

    /// <summary>Ten colours for up to ten lines (the common case: the most distinct); beyond, 25 colours chosen to be told apart (Tsitsulin's).</summary>
    private static readonly Color[] s_fewLines = new ScottPlot.Palettes.Category10().Colors;
    private static readonly Color[] s_manyLines = new ScottPlot.Palettes.Tsitsulin().Colors;

    /// <summary>Patterns for lines past the palette's colours: the second round of colours is dashed, the third dotted.</summary>
    private static readonly LinePattern[] s_patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted];

    public static byte[] Render(SeriesChart chart, ChartFormat format)
    {
        var plot = Draw(chart);
        return format == ChartFormat.Svg
            ? Encoding.UTF8.GetBytes(plot.GetSvgXml(chart.Width, chart.Height))
            : plot.GetImageBytes(chart.Width, chart.Height, ImageFormat.Png);
    }

    /// <summary>The y axis's title for <paramref name="scale"/>.</summary>
    public static string AxisLabel(ChartScale scale) => scale switch
    {
        ChartScale.Percent => "Frequency (%)",
        ChartScale.PerMillion => "Frequency (per million words)",
        _ => "Match count",
    };

    /// <summary>What a value is multiplied by to be shown in <paramref name="scale"/>.</summary>
    public static double Factor(ChartScale scale) => scale switch
    {
        ChartScale.Percent => 100,
        ChartScale.PerMillion => 1e6,
        _ => 1,
    };

    /// <summary>The colours lines are drawn in, in turn, when a chart has <paramref name="count"/> of them.</summary>
    public static Color[] Palette(int count) => count <= s_fewLines.Length ? s_fewLines : s_manyLines;

    private static Plot Draw(SeriesChart chart)
    {
        var plot = new Plot();
        plot.Font.Set(ChartFonts.Base);
        // Font.Set also names the font for the whole legend, which would override each item's own.
        plot.Legend.FontName = null;

        double[] years = chart.Years.Select(year => (double)year).ToArray();
        double factor = Factor(chart.Scale);
        double low = 0;
        double high = 0;
        var palette = Palette(chart.Lines.Count);
        for (int i = 0; i < chart.Lines.Count; i++)
        {
            var line = chart.Lines[i];
            // A value that is not a finite number (NaN, or an infinity from a zero total) is left
            // out of the line, not drawn off the chart.
            double[] values = line.Values.Select(value => double.IsFinite(value * factor) ? value * factor : double.NaN).ToArray();
            foreach (double value in values.Where(double.IsFinite))
            {
                low = Math.Min(low, value);
                high = Math.Max(high, value);
            }

            var scatter = plot.Add.ScatterLine(years, values, palette[i % palette.Length]);
            scatter.LineWidth = LineWidth;
            scatter.LinePattern = s_patterns[i / palette.Length % s_patterns.Length];
            if (years.Length == 1)
            {
                scatter.MarkerShape = MarkerShape.FilledCircle;
                scatter.MarkerSize = SingleYearMarkerSize;
            }

            // The legend's items are made here rather than from the lines, so each can have the font its label needs.
            var item = new LegendItem
            {
                LabelText = line.Label,
                LineColor = scatter.LineColor,
                LineWidth = LineWidth,
                LinePattern = scatter.LinePattern,
                MarkerShape = scatter.MarkerShape,
                MarkerSize = years.Length == 1 ? SingleYearMarkerSize : 0,
                MarkerFillColor = scatter.LineColor,
                MarkerLineColor = scatter.LineColor,
            };
            UseFont(item.LabelStyle, ChartFonts.For(line.Label));
            plot.Legend.ManualItems.Add(item);
        }

        plot.Title(chart.Title);
        UseFont(plot.Axes.Title.Label, ChartFonts.For(chart.Title));
        plot.XLabel("Year");
        plot.YLabel(AxisLabel(chart.Scale));

        plot.Axes.Title.Label.FontSize = TitleSize;
        plot.Legend.FontSize = LegendSize;
        plot.Axes.Bottom.TickLabelStyle.FontSize = TickSize;
        plot.Axes.Left.TickLabelStyle.FontSize = TickSize;

        SetYears(plot, years);
        SetValues(plot, low, high);
        if (chart.Lines.Count > 0)
        {
            plot.Legend.DisplayPlottableLegendItems = false;
            // Outside the data, right of it: many lines would cover the data inside it.
            plot.ShowLegend(Edge.Right);
        }

        return plot;
    }

    /// <summary>Draws <paramref name="label"/> in <paramref name="family"/>.</summary>
    /// <remarks>By typeface, not only by name: once <c>Font.Set</c> has given a label a typeface, its name alone is ignored.</remarks>
    private static void UseFont(LabelStyle label, string family)
    {
        label.FontName = family;
        label.Font = Fonts.GetTypeface(family, label.Bold, italic: false);
    }

    private static void SetYears(Plot plot, double[] years)
    {
        if (years.Length == 0)
        {
            // No years: an axis without ticks, rather than years 0 and 1.
            plot.Axes.Bottom.TickGenerator = new NumericManual();
            plot.Axes.SetLimitsX(0, 1);
            return;
        }

        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { LabelFormatter = AxisTicks.Year, IntegerTicksOnly = true };

        double first = years.Min();
        double last = years.Max();
        // One year has no span to draw across: a year either side of it.
        plot.Axes.SetLimitsX(first == last ? first - 1 : first, first == last ? last + 1 : last);
    }

    private static void SetValues(Plot plot, double low, double high)
    {
        // An empty chart, or one of zeros, still gets an axis from 0 to 1 rather than a zero span.
        if (high <= low)
        {
            high = low + 1;
        }

        double span = high - low;
        double top = high + span * Headroom;
        double bottom = low < 0 ? low - span * Headroom : 0;
        var ticks = new NumericManual();
        foreach (var (value, label) in AxisTicks.Between(bottom, top))
        {
            ticks.AddMajor(value, label);
        }

        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(bottom, top);
    }
}
