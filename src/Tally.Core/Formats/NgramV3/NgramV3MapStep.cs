using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Mapping;

namespace Tally.Formats.NgramV3;

/// <summary>
/// The map step for Google Books Ngram v3 rows, the 2020 release (<c>ngram TAB year,match_count,volume_count TAB ...</c>):
/// each ngram's total is the sum of its match_counts, within the <see cref="NgramFilter"/>'s years, tags and case.
/// </summary>
/// <remarks>
/// A line is split on TAB first, since an ngram may hold commas (<c>9,000</c>). An ngram with no
/// year in the window is not listed. A row's total past 2^63-1 is a malformed row.
/// </remarks>
public sealed class NgramV3MapStep : FilteredNgramStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "ngram-v3";

    /// <summary>A step that counts under <paramref name="filter"/>.</summary>
    public NgramV3MapStep(NgramFilter filter)
        : base(StepName, filter)
    {
    }

    /// <summary>The unfiltered step.</summary>
    public static NgramV3MapStep Instance { get; } = new(NgramFilter.None);

    /// <inheritdoc/>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        => Filter.Years is { } years
            ? NgramV3Parser.Parse(block, table, context.SourceName, context.FirstLine, context.Rejects, new YearWindow(years), Rules)
            : NgramV3Parser.Parse(block, table, context.SourceName, context.FirstLine, context.Rejects, default(AllYears), Rules);
}
