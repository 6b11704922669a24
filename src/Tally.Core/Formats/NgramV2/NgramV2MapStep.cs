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
public sealed class NgramV2MapStep : MapStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "ngram-v2";

    private readonly KeyRules? _rules;

    /// <summary>A step that counts under <paramref name="filter"/>.</summary>
    public NgramV2MapStep(NgramFilter filter)
        : base(StepName)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Filter = filter;
        _rules = KeyRules.Of(filter);
    }

    /// <summary>The unfiltered step; it is stateless.</summary>
    public static NgramV2MapStep Instance { get; } = new(NgramFilter.None);

    /// <summary>The years, tags and case rules rows are counted under.</summary>
    public NgramFilter Filter { get; }

    /// <inheritdoc/>
    public override string Arguments => Filter.Arguments;

    /// <inheritdoc/>
    /// <remarks>A blank line is a malformed row, so with malformed rows failing the job every line of a block is a row (a row outside the year window too).</remarks>
    public override bool RowsAreLines => true;

    /// <inheritdoc/>
    public override string KeyOf(string key) => Filter.IgnoreCase ? KeyFold.Fold(key) : key;

    /// <inheritdoc/>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        => Filter.Years is { } years
            ? NgramV2Parser.Parse(block, table, context.SourceName, context.FirstLine, context.Rejects, new YearWindow(years), _rules)
            : NgramV2Parser.Parse(block, table, context.SourceName, context.FirstLine, context.Rejects, default(AllYears), _rules);
}
