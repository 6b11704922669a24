using Tally.Aggregation;
using Tally.Mapping;
using Tally.Parsing;

namespace Tally.Formats.NgramV2;

/// <summary>
/// The built-in map step for Google Books Ngram v2 rows (<c>ngram TAB year TAB match_count TAB volume_count</c>):
/// the total match_count of each ngram. The default of <see cref="CountOptions.MapStep"/>.
/// </summary>
/// <remarks>
/// Malformed rows are described in docs/design.md ("Malformed rows"). The per-row loop is the
/// vectorised parser; this class only adapts it to the per-block <see cref="MapStep"/> call.
/// </remarks>
public sealed class NgramV2MapStep : MapStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "ngram-v2";

    private NgramV2MapStep()
        : base(StepName)
    {
    }

    /// <summary>The one instance; it is stateless.</summary>
    public static NgramV2MapStep Instance { get; } = new();

    /// <inheritdoc/>
    /// <remarks>A blank line is a malformed row, so with malformed rows failing the job every line of a block is a row.</remarks>
    public override bool RowsAreLines => true;

    /// <inheritdoc/>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        => NgramV2Parser.Parse(block, table, context.SourceName, context.FirstLine, context.Rejects);
}
