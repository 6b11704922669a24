using System.Globalization;

namespace Tally.Formats.Filters;

/// <summary>The filters of the Ngram formats: a window of years, what to do with tags, and case folding.</summary>
/// <remarks>
/// Part of a job's identity: <see cref="Arguments"/> is the canonical string a checkpoint records
/// and a worker process rebuilds the step from (<see cref="Parse"/>).
/// </remarks>
public sealed record NgramFilter
{
    /// <summary>No filter: every row and year counts, under its own bytes.</summary>
    public static NgramFilter None { get; } = new();

    /// <summary>Only rows or year triples in this range count; null for every year.</summary>
    public YearRange? Years { get; init; }

    /// <summary>Which rows count by their part-of-speech tags.</summary>
    public TagFilter Tags { get; init; } = TagFilter.Keep;

    /// <summary>Whether keys are folded to lower case (<see cref="KeyFold"/>) and case variants summed.</summary>
    public bool IgnoreCase { get; init; }

    /// <summary>Whether any filter changes keys (<see cref="Tags"/> or <see cref="IgnoreCase"/>): decided once per key, not per row.</summary>
    internal bool ChangesKeys => Tags != TagFilter.Keep || IgnoreCase;

    /// <summary>The canonical arguments: <c>years=1800-1999;tags=drop;ignore-case</c>, empty for none.</summary>
    public string Arguments => string.Join(';', Parts());

    private IEnumerable<string> Parts()
    {
        if (Years is { } years)
        {
            yield return "years=" + years;
        }

        if (Tags != TagFilter.Keep)
        {
            yield return "tags=" + Tags.ToString().ToLowerInvariant();
        }

        if (IgnoreCase)
        {
            yield return "ignore-case";
        }
    }

    /// <summary>Reads <see cref="Arguments"/> back.</summary>
    /// <exception cref="ArgumentException">Not arguments this type writes.</exception>
    public static NgramFilter Parse(string arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var filter = None;
        if (arguments.Length == 0)
        {
            return filter;
        }

        foreach (string part in arguments.Split(';'))
        {
            filter = part switch
            {
                "ignore-case" => filter with { IgnoreCase = true },
                "tags=drop" => filter with { Tags = TagFilter.Drop },
                "tags=only" => filter with { Tags = TagFilter.Only },
                _ when part.StartsWith("years=", StringComparison.Ordinal) => filter with { Years = ParseYears(part["years=".Length..]) },
                _ => throw new ArgumentException($"\"{part}\" is not an Ngram filter", nameof(arguments)),
            };
        }

        if (filter.Arguments != arguments)
        {
            throw new ArgumentException($"\"{arguments}\" is not in canonical form (\"{filter.Arguments}\")", nameof(arguments));
        }

        return filter;
    }

    private static YearRange ParseYears(string text)
    {
        try
        {
            return YearRange.Parse(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(text), e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Arguments.Length == 0 ? "none" : Arguments.ToString(CultureInfo.InvariantCulture);
}
