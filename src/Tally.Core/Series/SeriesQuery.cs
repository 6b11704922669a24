using System.Globalization;
using Tally.Formats.Auto;
using Tally.Formats.Filters;

namespace Tally.Series;

/// <summary>What a series looks up: the ngrams, the format and filters rows are read under, the totals that turn counts into relative frequencies, and the smoothing.</summary>
public sealed record SeriesQuery
{
    /// <summary>Ngrams as the user gives them (words separated by single spaces for longer ngrams); at least one.</summary>
    public IReadOnlyList<string> Words { get; init; } = [];

    /// <summary><c>auto</c> (v2 or v3 per source, the default), <c>ngram-v2</c> or <c>ngram-v3</c>.</summary>
    public string Format { get; init; } = AutoMapStep.StepName;

    /// <summary>The year window, tags and case rules; the window is also the series' range when it is closed.</summary>
    public NgramFilter Filter { get; init; } = NgramFilter.None;

    /// <summary>Total-counts files: when given, each series is divided by the totals for its ngram length.</summary>
    public IReadOnlyList<TotalCounts> Totals { get; init; } = [];

    /// <summary>The Viewer's smoothing: years on each side averaged (<see cref="Series.Smoothing"/>); 0 for none.</summary>
    public int Smoothing { get; init; }

    /// <summary>The largest <see cref="Smoothing"/> taken (the Viewer's is 50).</summary>
    public const int MaxSmoothing = 1000;

    /// <summary>The most years a series may span.</summary>
    public const int MaxYears = 100_000;

    /// <summary>The key each word is looked up by: its folded form under <see cref="NgramFilter.IgnoreCase"/>, which also labels its series.</summary>
    public string KeyOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return Filter.IgnoreCase ? KeyFold.Fold(word) : word;
    }

    /// <summary>The distinct keys of <see cref="Words"/>, in the order first given.</summary>
    public IReadOnlyList<string> Keys() => [.. Words.Select(KeyOf).Distinct(StringComparer.Ordinal)];

    /// <summary>The ngram length of a key: its words, separated by spaces.</summary>
    public static int LengthOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    /// <summary>Checks the query; the problems are named by property, as <see cref="CountOptions"/> does.</summary>
    /// <exception cref="CountOptionsException">No word, an empty word or one with a TAB or line end or other than single spaces between words, a format or smoothing out of range, totals that fit no word.</exception>
    public void Validate()
    {
        if (Words.Count == 0)
        {
            throw new CountOptionsException(nameof(Words), "needs at least one ngram to look up");
        }

        foreach (string word in Words)
        {
            if (word.Length == 0 || word.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0 || word.Trim().Length == 0)
            {
                throw new CountOptionsException(nameof(Words), $"\"{Formats.KeyText.Printable(word)}\": an ngram to look up must have a word and no TAB or line end");
            }

            // Ngram rows separate words by single spaces and have none at either end: a query with
            // other spacing could never match, and would show a series of zeros without a word.
            if (word[0] == ' ' || word[^1] == ' ' || word.Contains("  ", StringComparison.Ordinal))
            {
                throw new CountOptionsException(nameof(Words), $"\"{Formats.KeyText.Printable(word)}\": an ngram to look up has its words separated by single spaces, and none at either end");
            }
        }

        if (Format is not (AutoMapStep.StepName or Formats.NgramV2.NgramV2MapStep.StepName or Formats.NgramV3.NgramV3MapStep.StepName))
        {
            throw new CountOptionsException(nameof(Format), $"\"{Format}\": a series reads Ngram files: auto, ngram-v2 or ngram-v3");
        }

        if (Smoothing is < 0 or > MaxSmoothing)
        {
            throw new CountOptionsException(nameof(Smoothing), string.Create(CultureInfo.InvariantCulture, $"must be between 0 and {MaxSmoothing} years"));
        }

        if (Filter.Years is { From: > 0, To: < long.MaxValue } years && years.To - years.From >= MaxYears)
        {
            throw new CountOptionsException(nameof(Filter.Years), string.Create(CultureInfo.InvariantCulture, $"spans more than {MaxYears:N0} years"));
        }

        var lengths = Totals.Where(t => t.N is not null).GroupBy(t => t.N).FirstOrDefault(g => g.Count() > 1);
        if (lengths is not null)
        {
            throw new CountOptionsException(nameof(Totals), $"{lengths.First().Name} and {lengths.Skip(1).First().Name} are both for {lengths.Key}-grams");
        }

        if (Totals.Count(t => t.N is null) > 1)
        {
            throw new CountOptionsException(nameof(Totals), "more than one file is named for no ngram length: name them totalcounts-N, or declare the length as N=FILE");
        }

        foreach (string key in Keys())
        {
            _ = TotalsFor(key);
        }
    }

    /// <summary>The totals that <paramref name="key"/>'s series is divided by, or null when no totals are given.</summary>
    /// <exception cref="CountOptionsException">Totals are given but none is for the key's length.</exception>
    public TotalCounts? TotalsFor(string key)
    {
        if (Totals.Count == 0)
        {
            return null;
        }

        int n = LengthOf(key);
        var totals = Totals.FirstOrDefault(t => t.N == n) ?? Totals.FirstOrDefault(t => t.N is null);
        if (totals is null)
        {
            string given = string.Join(", ", Totals.Select(t => $"{t.Name} ({t.N}-grams)"));
            throw new CountOptionsException(nameof(Totals), string.Create(CultureInfo.InvariantCulture,
                $"has no file for {n}-grams, which \"{Formats.KeyText.Printable(key)}\" is: give totalcounts-{n} too (given: {given})"));
        }

        return totals;
    }

    /// <summary>The job's map step.</summary>
    /// <exception cref="CountOptionsException">The query is not valid (<see cref="Validate"/>).</exception>
    public SeriesMapStep CreateStep()
    {
        Validate();
        return new SeriesMapStep(Keys(), Filter, Format);
    }
}
