namespace Tally.Series;

/// <summary>The Ngram Viewer's smoothing: a centred moving mean, clipped at the ends of the range.</summary>
/// <remarks>
/// The value for year y is the mean of the yearly values over [y-N, y+N] that lie in the range,
/// so the first and last N years average fewer years (the Viewer does the same). It averages
/// whatever values it is given: relative frequencies when totals are given (the Viewer's way),
/// otherwise match counts. The alternative, summing counts and totals over the window before
/// dividing, weights years by their size; it is not what the Viewer shows.
/// </remarks>
public static class Smoothing
{
    /// <summary>The smoothed values of <paramref name="values"/> with a window of <paramref name="years"/> years on each side.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="years"/> is negative.</exception>
    public static double[] Smooth(IReadOnlyList<double> values, int years)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(years);
        var smoothed = new double[values.Count];
        for (int i = 0; i < smoothed.Length; i++)
        {
            // Summed afresh for each year, in order, not as a running sum: a running sum would
            // carry rounding from one end of the series to the other. N is small (the Viewer's
            // largest is 50), so this costs nothing that shows.
            int from = Math.Max(0, i - years);
            int to = Math.Min(smoothed.Length - 1, i + years);
            double sum = 0;
            for (int j = from; j <= to; j++)
            {
                sum += values[j];
            }

            smoothed[i] = sum / (to - from + 1);
        }

        return smoothed;
    }
}
