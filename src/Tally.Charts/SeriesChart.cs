using Tally.Charts.Rendering;
using Tally.Output;

namespace Tally.Charts;

/// <summary>A chart of yearly series, one coloured line per query, written as an SVG or PNG file.</summary>
/// <param name="Years">The x axis: the years the values are for, in order.</param>
/// <param name="Lines">One line per query; each has one value per year. May be empty (an empty chart with its title).</param>
/// <param name="Title">The chart's title (the corpus files and the smoothing, say).</param>
/// <param name="Scale">How the values are shown, and what the y axis says.</param>
/// <remarks>
/// Years are written without thousands separators; the y axis takes as many decimals as its ticks
/// need (0.000120, not 1.2E-04). The legend sits outside the data, right of it, so many lines
/// (twenty, say) stay legible. Labels may hold any Unicode: a label the chart's font cannot draw
/// is drawn in a font of the machine's that can, when there is one.
/// </remarks>
public sealed record SeriesChart(IReadOnlyList<int> Years, IReadOnlyList<ChartLine> Lines, string Title, ChartScale Scale)
{
    /// <summary>The image's width in pixels; 1200 by default.</summary>
    public int Width { get; init; } = 1200;

    /// <summary>The image's height in pixels; 600 by default.</summary>
    public int Height { get; init; } = 600;

    /// <summary>Whether <paramref name="path"/> names a chart this type can write: it ends in <c>.svg</c> or <c>.png</c>, in any case.</summary>
    public static bool IsChartPath(string path) => ChartFormats.FromPath(path) is not null;

    /// <summary>Draws the chart and writes it to <paramref name="path"/>, as SVG or PNG by its extension, whole or not at all.</summary>
    /// <remarks>The file is written through <see cref="AtomicFile"/>: an existing file is replaced only by a complete chart.</remarks>
    /// <exception cref="ArgumentException">The path does not end in <c>.svg</c> or <c>.png</c>, a line does not have one value per year, or the size is not positive.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public async Task WriteAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var format = ChartFormats.FromPath(path)
            ?? throw new ArgumentException($"{path}: a chart is written as .svg or .png", nameof(path));
        byte[] bytes = Render(format);
        cancellationToken.ThrowIfCancellationRequested();
        await AtomicFile.WriteAsync(path, stream => stream.WriteAsync(bytes, cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The chart's file, in memory.</summary>
    internal byte[] Render(ChartFormat format)
    {
        Validate();
        return ChartRenderer.Render(this, format);
    }

    private void Validate()
    {
        ArgumentNullException.ThrowIfNull(Years);
        ArgumentNullException.ThrowIfNull(Lines);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Height);
        foreach (var line in Lines)
        {
            ArgumentNullException.ThrowIfNull(line);
            if (line.Values is null || line.Values.Count != Years.Count)
            {
                throw new ArgumentException($"the line '{line.Label}' has {line.Values?.Count ?? 0} values for {Years.Count} years", nameof(Lines));
            }
        }
    }
}
