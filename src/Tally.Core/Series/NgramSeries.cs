namespace Tally.Series;

/// <summary>One queried ngram's series over the result's years.</summary>
public sealed class NgramSeries
{
    internal NgramSeries(string ngram, long[] matchCounts, TotalCounts? totals, double[]? relativeFrequencies, double[]? smoothed)
    {
        Ngram = ngram;
        Counts = matchCounts;
        Totals = totals;
        RelativeFrequencies = relativeFrequencies;
        Smoothed = smoothed;
        TotalMatchCount = matchCounts.Sum();
    }

    /// <summary>The ngram as it is looked up and labelled: as given, or folded under <c>--ignore-case</c>.</summary>
    public string Ngram { get; }

    /// <summary>Its words (1 for a 1-gram).</summary>
    public int Length => SeriesQuery.LengthOf(Ngram);

    /// <summary>The summed match_count of each year, 0 where no row has the year.</summary>
    public IReadOnlyList<long> MatchCounts => Counts;

    /// <summary>The counts as an array, for loops that read millions of cells.</summary>
    internal long[] Counts { get; }

    /// <summary>The sum of <see cref="MatchCounts"/>.</summary>
    public long TotalMatchCount { get; }

    /// <summary>The totals divided by, or null without totals.</summary>
    public TotalCounts? Totals { get; }

    /// <summary><c>match_count / total match_count</c> per year, as a fraction, as the Viewer gives it; null without totals.</summary>
    public IReadOnlyList<double>? RelativeFrequencies { get; }

    /// <summary>The smoothed values (of the relative frequencies, or else of the counts); null without smoothing.</summary>
    public IReadOnlyList<double>? Smoothed { get; }

    /// <summary>What the series shows: smoothed if smoothed, else relative frequencies if totals were given, else counts.</summary>
    public IReadOnlyList<double> Values => Smoothed ?? RelativeFrequencies ?? Array.ConvertAll(Counts, c => (double)c);
}
