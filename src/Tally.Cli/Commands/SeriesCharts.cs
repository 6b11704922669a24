using Tally.Charts;
using Tally.Series;

namespace Tally.Cli.Commands;

/// <summary>The chart of a series result (<c>--chart</c>), drawn by <see cref="SeriesChart"/>.</summary>
internal static class SeriesCharts
{
    /// <summary>Draws <paramref name="result"/> to <paramref name="path"/> (.svg or .png): frequencies in per cent (or per million), or match counts without totals.</summary>
    public static Task WriteAsync(SeriesResult result, string path, bool perMillion, string title, CancellationToken cancellationToken)
    {
        var scale = !result.HasRelativeFrequencies ? ChartScale.MatchCount : perMillion ? ChartScale.PerMillion : ChartScale.Percent;
        var years = result.Years.Select(y => (int)y).ToList();
        var lines = result.Series.Select(s => new ChartLine(Tally.Formats.KeyText.Printable(s.Ngram), s.Values)).ToList();
        return new SeriesChart(years, lines, title, scale).WriteAsync(path, cancellationToken);
    }
}
