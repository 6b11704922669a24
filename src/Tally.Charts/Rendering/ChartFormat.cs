namespace Tally.Charts.Rendering;

/// <summary>The file formats a chart is written in.</summary>
internal enum ChartFormat
{
    Svg,
    Png,
}

/// <summary>A chart's format from its path's extension.</summary>
internal static class ChartFormats
{
    /// <summary>The format <paramref name="path"/>'s extension names, in any case; null for any other.</summary>
    public static ChartFormat? FromPath(string path)
    {
        string extension = Path.GetExtension(path ?? "");
        return extension.Equals(".svg", StringComparison.OrdinalIgnoreCase) ? ChartFormat.Svg
            : extension.Equals(".png", StringComparison.OrdinalIgnoreCase) ? ChartFormat.Png
            : null;
    }
}
