namespace Tally;

/// <summary>What a count job does with a malformed row (see docs/design.md, "Malformed rows").</summary>
public enum MalformedRowPolicy
{
    /// <summary>The first malformed row found stops the job with a <see cref="TallyDataException"/> naming its path and line.</summary>
    Fail,

    /// <summary>Malformed rows are left out of the totals, counted and reported per source, and the job finishes.</summary>
    Skip,
}
