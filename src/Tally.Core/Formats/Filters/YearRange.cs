using System.Globalization;

namespace Tally.Formats.Filters;

/// <summary>An inclusive range of years: <c>--years FROM-TO</c>, <c>FROM-</c>, <c>-TO</c> or <c>YEAR</c>.</summary>
/// <param name="From">The first year counted.</param>
/// <param name="To">The last year counted.</param>
public readonly record struct YearRange(long From, long To)
{
    /// <summary>Whether <paramref name="year"/> is in the range.</summary>
    public bool Contains(long year) => year >= From && year <= To;

    /// <summary>The range as <see cref="Parse"/> reads it: <c>1800-1999</c>, <c>1800-</c>, <c>-1899</c> or <c>2000</c>.</summary>
    public override string ToString() => (From, To) switch
    {
        (0, long.MaxValue) => "-",
        (_, long.MaxValue) => string.Create(CultureInfo.InvariantCulture, $"{From}-"),
        (0, _) => string.Create(CultureInfo.InvariantCulture, $"-{To}"),
        _ when From == To => From.ToString(CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"{From}-{To}"),
    };

    /// <summary>Reads <c>FROM-TO</c>, <c>FROM-</c>, <c>-TO</c> or <c>YEAR</c> (years are non-negative integers).</summary>
    /// <exception cref="FormatException">Not of those forms, or FROM after TO.</exception>
    public static YearRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        string from = dash < 0 ? text : text[..dash];
        string to = dash < 0 ? text : text[(dash + 1)..];
        if ((from.Length == 0 && to.Length == 0) || !Year(from, 0, out long first) || !Year(to, long.MaxValue, out long last))
        {
            throw new FormatException($"\"{text}\" is not a year range: give FROM-TO, FROM-, -TO or one YEAR, such as 1800-1999");
        }

        if (first > last)
        {
            throw new FormatException($"\"{text}\": the first year is after the last");
        }

        return new YearRange(first, last);
    }

    private static bool Year(string text, long open, out long year)
    {
        if (text.Length == 0)
        {
            year = open;
            return true;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out year);
    }
}
