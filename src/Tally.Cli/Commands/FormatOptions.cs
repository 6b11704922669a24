using Tally.Formats;
using Tally.Formats.Filters;
using Tally.Mapping;

namespace Tally.Cli.Commands;

/// <summary>The format flags of <c>tally count</c>: read into a <see cref="FormatChoice"/>, whose rules name the flag on a usage error.</summary>
internal static class FormatOptions
{
    /// <summary>The flag of each <see cref="FormatChoice"/> property, for messages.</summary>
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        [nameof(FormatChoice.Format)] = "--format",
        [nameof(FormatChoice.Years)] = "--years",
        [nameof(FormatChoice.Tags)] = "--tags",
        [nameof(FormatChoice.KeyColumns)] = "--key",
        [nameof(FormatChoice.ValueColumn)] = "--value",
        [nameof(FormatChoice.Delimiter)] = "--delimiter",
        [nameof(FormatChoice.Header)] = "--header",
    };

    public static FormatChoice Choice(string? format, string? years, string? tags, bool ignoreCase, int[]? keys, int? value, string? delimiter, bool header)
    {
        YearRange? range = null;
        if (years is not null)
        {
            try
            {
                range = YearRange.Parse(years);
            }
            catch (FormatException e)
            {
                throw new UsageException($"--years {e.Message}");
            }
        }

        char? separator = delimiter switch
        {
            null => null,
            "\\t" => '\t',
            { Length: 1 } => delimiter[0],
            _ => throw new UsageException($"--delimiter \"{delimiter}\": give one character, such as , or ; (\\t for TAB)"),
        };

        var choice = new FormatChoice
        {
            Format = format ?? Tally.Formats.Auto.AutoMapStep.StepName,
            Years = range,
            Tags = tags switch
            {
                null or "keep" => TagFilter.Keep,
                "drop" => TagFilter.Drop,
                "only" => TagFilter.Only,
                _ => throw new UsageException($"--tags {tags}: give keep, drop or only"),
            },
            IgnoreCase = ignoreCase,
            KeyColumns = keys,
            ValueColumn = value,
            Delimiter = separator,
            Header = header,
        };

        // Checked now, so a usage error is reported before any input is looked at.
        Step(choice);
        return choice;
    }

    /// <summary>The job's map step for <paramref name="choice"/>; a usage error names the flag.</summary>
    public static MapStep Step(FormatChoice choice)
    {
        try
        {
            return choice.CreateStep();
        }
        catch (CountOptionsException e)
        {
            throw new UsageException($"{s_flags.GetValueOrDefault(e.Option, e.Option)} {e.Problem}");
        }
    }
}
