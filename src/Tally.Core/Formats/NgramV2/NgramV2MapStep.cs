using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Mapping;

namespace Tally.Formats.NgramV2;

/// <summary>
/// The built-in map step for Google Books Ngram v2 rows (<c>ngram TAB year TAB match_count TAB volume_count</c>):
/// the total match_count of each ngram, within the <see cref="NgramFilter"/>'s years, tags and case. The default of <see cref="CountOptions.MapStep"/>.
/// </summary>
/// <remarks>
/// Malformed rows are described in docs/design.md ("Malformed rows"). The per-row loop is the
/// vectorised parser; this class only adapts it to the per-block <see cref="MapStep"/> call.
/// </remarks>
public sealed class NgramV2MapStep : FilteredNgramStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "ngram-v2";

    /// <summary>A step that counts under <paramref name="filter"/>.</summary>
    public NgramV2MapStep(NgramFilter filter)
        : base(StepName, filter)
    {
    }

    /// <summary>The unfiltered step; it is stateless.</summary>
    public static NgramV2MapStep Instance { get; } = new(NgramFilter.None);

    /// <inheritdoc/>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        => Filter.Years is { } years
            ? NgramV2Parser.Parse(block, table, context.SourceName, context.FirstLine, context.Rejects, new YearWindow(years), Rules)
            : NgramV2Parser.Parse(block, table, context.SourceName, context.FirstLine, context.Rejects, default(AllYears), Rules);
}
