using Tally.Series;

namespace Tally.Cli.Commands;

internal static class SeriesCharts
{
    public static Task WriteAsync(SeriesResult result, string path, bool perMillion, string title, CancellationToken cancellationToken)
        => throw new NotSupportedException("charts land with the charts branch");
}
