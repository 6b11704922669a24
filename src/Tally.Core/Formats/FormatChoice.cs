using Tally.Formats.Auto;
using Tally.Formats.Filters;
using Tally.Formats.NgramV2;
using Tally.Formats.NgramV3;
using Tally.Formats.Tsv;
using Tally.Formats.Words;
using Tally.Mapping;

namespace Tally.Formats;

/// <summary>
/// A format and its filters as a user picks them (the command line's <c>--format</c>, <c>--years</c>,
/// <c>--tags</c>, <c>--ignore-case</c>, <c>--key</c>, <c>--value</c>, <c>--delimiter</c>, <c>--header</c>),
/// checked together and turned into the job's <see cref="MapStep"/>.
/// </summary>
public sealed record FormatChoice
{
    /// <summary>The names <see cref="Format"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [AutoMapStep.StepName, NgramV2MapStep.StepName, NgramV3MapStep.StepName, TsvMapStep.StepName, WordsMapStep.StepName];

    /// <summary><c>auto</c> (v2 or v3 per source, the default), <c>ngram-v2</c>, <c>ngram-v3</c>, <c>tsv</c> or <c>words</c>.</summary>
    public string Format { get; init; } = AutoMapStep.StepName;

    /// <summary>Only rows or years in this range count (Ngram formats); null for all.</summary>
    public YearRange? Years { get; init; }

    /// <summary>What to do with part-of-speech tags (Ngram formats).</summary>
    public TagFilter Tags { get; init; } = TagFilter.Keep;

    /// <summary>Fold keys to lower case and sum case variants (every format).</summary>
    public bool IgnoreCase { get; init; }

    /// <summary>tsv: the 1-based key columns; null for column 1.</summary>
    public IReadOnlyList<int>? KeyColumns { get; init; }

    /// <summary>tsv: the 1-based value column; null for column 2.</summary>
    public int? ValueColumn { get; init; }

    /// <summary>tsv: the column delimiter; null for TAB.</summary>
    public char? Delimiter { get; init; }

    /// <summary>tsv: pass over each source's first line.</summary>
    public bool Header { get; init; }

    /// <summary>The job's step.</summary>
    /// <exception cref="CountOptionsException">An unknown format, or an option the format does not take (named by its property, such as <c>Years</c>).</exception>
    public MapStep CreateStep()
    {
        var filter = new NgramFilter { Years = Years, Tags = Tags, IgnoreCase = IgnoreCase };
        bool tsv = Format == TsvMapStep.StepName;
        if (!tsv)
        {
            foreach (var (option, given) in new[] { (nameof(KeyColumns), KeyColumns is not null), (nameof(ValueColumn), ValueColumn is not null), (nameof(Delimiter), Delimiter is not null), (nameof(Header), Header) })
            {
                if (given)
                {
                    throw new CountOptionsException(option, $"is for --format tsv only, not {Format}");
                }
            }
        }

        if (Format is TsvMapStep.StepName or WordsMapStep.StepName)
        {
            if (Years is not null)
            {
                throw new CountOptionsException(nameof(Years), $"needs years in the data: --format {Format} has none");
            }

            if (Tags != TagFilter.Keep)
            {
                throw new CountOptionsException(nameof(Tags), $"is for the Ngram formats, not --format {Format}");
            }
        }

        switch (Format)
        {
            case AutoMapStep.StepName:
                return new AutoMapStep(filter);
            case NgramV2MapStep.StepName:
                return filter == NgramFilter.None ? NgramV2MapStep.Instance : new NgramV2MapStep(filter);
            case NgramV3MapStep.StepName:
                return filter == NgramFilter.None ? NgramV3MapStep.Instance : new NgramV3MapStep(filter);
            case WordsMapStep.StepName:
                return new WordsMapStep(IgnoreCase);
            case TsvMapStep.StepName:
                var keys = KeyColumns is { Count: > 0 } given ? given : [1];
                int value = ValueColumn ?? 2;
                if (keys.Any(c => c is < 1 or > TsvMapStep.MaxColumn))
                {
                    throw new CountOptionsException(nameof(KeyColumns), $"must be a column between 1 and {TsvMapStep.MaxColumn}");
                }

                if (value is < 1 or > TsvMapStep.MaxColumn)
                {
                    throw new CountOptionsException(nameof(ValueColumn), $"must be a column between 1 and {TsvMapStep.MaxColumn}");
                }

                char delimiter = Delimiter ?? '\t';
                if (delimiter > 0x7F || delimiter is '\n' or '\r')
                {
                    throw new CountOptionsException(nameof(Delimiter), "must be one ASCII character other than a line end");
                }

                return new TsvMapStep(keys, value, delimiter, Header, IgnoreCase);
            default:
                throw new CountOptionsException(nameof(Format), $"\"{Format}\" is not one of {string.Join(", ", Names)}");
        }
    }
}
