using System.Globalization;

namespace Tally.Cli.Rendering;

/// <summary>Human units for sizes, counts and rates.</summary>
internal static class Units
{
    private static readonly string[] s_byteUnits = ["B", "KB", "MB", "GB", "TB"];

    public static string Bytes(long bytes)
    {
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < s_byteUnits.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {s_byteUnits[unit]}");
    }

    public static string Rate(double perSecond) => perSecond switch
    {
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e9:0.0} G"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:0.0} M"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:0.0} k"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:0}"),
    };

    public static string Seconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.00} s");

    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);
}
