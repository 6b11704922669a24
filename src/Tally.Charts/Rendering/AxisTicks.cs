using System.Globalization;

namespace Tally.Charts.Rendering;

/// <summary>The y axis's ticks: round steps, each label with just the decimals its step needs.</summary>
/// <remarks>
/// Frequencies are tiny (a word at 0.000120% is common), and ScottPlot's own labels would show
/// them in scientific notation or round them to 0. A step of 1, 2 or 5 times a power of ten has
/// exactly the decimals of that power, so every label shows the same, sufficient number of them.
/// </remarks>
internal static class AxisTicks
{
    /// <summary>About how many steps the axis is cut into.</summary>
    private const int TargetSteps = 8;

    /// <summary>The largest value labelled in plain digits.</summary>
    private const double LargestPlain = 1e15;

    /// <summary>A round step (1, 2 or 5 times a power of ten) that cuts <paramref name="range"/> into at most about <see cref="TargetSteps"/> steps.</summary>
    public static double Step(double range)
    {
        double rough = range / TargetSteps;
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }

    /// <summary>The decimals a label needs to show multiples of <paramref name="step"/> exactly.</summary>
    public static int Decimals(double step) => Math.Clamp((int)-Math.Floor(Math.Log10(step) + 1e-9), 0, 15);

    /// <summary>The ticks from <paramref name="low"/> to <paramref name="high"/>, each a multiple of the step, with its label.</summary>
    public static IEnumerable<(double Value, string Label)> Between(double low, double high)
    {
        double step = Step(high - low);
        // Past a million billion (no corpus counts so many), plain digits would be wider than the chart.
        string format = Math.Max(Math.Abs(low), Math.Abs(high)) >= LargestPlain
            ? "0.###E+0"
            : "N" + Decimals(step).ToString(CultureInfo.InvariantCulture);
        // Counting steps (not adding them up) keeps rounding error from growing along the axis.
        for (long i = (long)Math.Ceiling(low / step); i * step <= high * (1 + 1e-12); i++)
        {
            double value = i * step;
            yield return (value, value.ToString(format, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A year as it is written: 1900, never 1,900.</summary>
    public static string Year(double value) => value.ToString("0", CultureInfo.InvariantCulture);
}
