namespace Tally.Charts;

/// <summary>How a chart shows its values, and what its y axis says.</summary>
public enum ChartScale
{
    /// <summary>Raw match counts, shown as given: "Match count".</summary>
    MatchCount,

    /// <summary>Fractions of all words, shown times 100: "Frequency (%)", as the Ngram Viewer does.</summary>
    Percent,

    /// <summary>Fractions of all words, shown times a million: "Frequency (per million words)".</summary>
    PerMillion,
}
