using Tally.Mapping;

namespace Tally.Formats.Filters;

/// <summary>
/// What the Ngram steps (v2, v3 and auto) share: the <see cref="NgramFilter"/> they count under,
/// which is also their arguments (so workers and checkpoints see it), every line a row, and
/// <c>--word</c> looked up by the folded key under <c>--ignore-case</c>.
/// </summary>
public abstract class FilteredNgramStep : MapStep
{
    /// <summary>A step named <paramref name="name"/> that counts under <paramref name="filter"/>.</summary>
    protected FilteredNgramStep(string name, NgramFilter filter)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Filter = filter;
        Rules = KeyRules.Of(filter);
    }

    /// <summary>The years, tags and case rules rows are counted under.</summary>
    public NgramFilter Filter { get; }

    /// <summary>The per-key rules (tags, case) the parsers apply, or null when there are none.</summary>
    private protected KeyRules? Rules { get; }

    /// <inheritdoc/>
    public override string Arguments => Filter.Arguments;

    /// <inheritdoc/>
    /// <remarks>A blank line is a malformed row, so with malformed rows failing the job every line of a block is a row (a row outside the year window too).</remarks>
    public override bool RowsAreLines => true;

    /// <inheritdoc/>
    public override string KeyOf(string key) => Filter.IgnoreCase ? KeyFold.Fold(key) : key;
}
