namespace Tally;

/// <summary>What a count job does with a source that cannot be read to its end: corrupt or truncated gzip, a line over the limit, a read error.</summary>
public enum BrokenSourcePolicy
{
    /// <summary>The job stops with the source's error.</summary>
    Fail,

    /// <summary>The source is left out entirely (none of its rows, not even those read before the damage) and reported; the job finishes.</summary>
    Skip,
}
