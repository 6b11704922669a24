using System.Globalization;

namespace Tally.Cli.Rendering;

/// <summary>Human units for sizes, counts, rates and times: the one convention of every line tally prints.</summary>
/// <remarks>
/// Sizes are decimal (1 MB = 1,000,000 bytes), as <c>ls -h --si</c>, disks and network speeds
/// count them, in the bars, the summary, <c>--verbose</c> and <c>tally gen</c> alike.
/// </remarks>
internal static class Units
{
    private static readonly string[] s_byteUnits = ["B", "kB", "MB", "GB", "TB"];

    public static string Bytes(long bytes)
    {
        int unit = UnitOf(bytes);
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes / Math.Pow(1000, unit):0.0} {s_byteUnits[unit]}");
    }

    /// <summary><c>12.3/45.6 MB</c>: a part of a whole, both in the whole's unit.</summary>
    public static string BytesOf(long part, long whole)
    {
        int unit = UnitOf(whole);
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{part}/{whole} B")
            : string.Create(CultureInfo.InvariantCulture, $"{part / Math.Pow(1000, unit):0.0}/{whole / Math.Pow(1000, unit):0.0} {s_byteUnits[unit]}");
    }

    public static string Rate(double perSecond) => perSecond switch
    {
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e9:0.0} G"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:0.0} M"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:0.0} k"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:0}"),
    };

    public static string Seconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.00} s");

    /// <summary><c>0:42</c>, <c>12:03</c>, <c>1:02:03</c>: a time left, to the second.</summary>
    public static string Clock(TimeSpan time)
    {
        long seconds = (long)Math.Ceiling(Math.Max(0, time.TotalSeconds));
        return seconds >= 3600
            ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}:{seconds % 60:00}");
    }

    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary><c>1 input</c>, <c>3 inputs</c>.</summary>
    public static string Plural(long count, string noun) => $"{Count(count)} {noun}{(count == 1 ? "" : "s")}";

    private static int UnitOf(long bytes)
    {
        int unit = 0;
        for (double value = bytes; value >= 1000 && unit < s_byteUnits.Length - 1; value /= 1000)
        {
            unit++;
        }

        return unit;
    }
}
