using Tally.Aggregation;
using Tally.Parsing;

namespace Tally.Execution;

/// <summary>What <see cref="SourceCounter.CountAsync"/> found.</summary>
/// <param name="Table">The source's totals; partial, and not to be used, when <paramref name="Error"/> is set.</param>
/// <param name="Figures">Bytes and rows counted.</param>
/// <param name="Error">The first error in file order, or null.</param>
/// <param name="IsBroken">Whether <paramref name="Error"/> is a read failure: the source could not be read to its end.</param>
public sealed record SourceCount(CountTable Table, SourceFigures Figures, Exception? Error, bool IsBroken)
{
    /// <summary>The identity of the step the source was counted with (<see cref="Mapping.MapStep.ForSource"/>); null for an empty source.</summary>
    public string? Format { get; init; }

    /// <summary>The outcome a task reports for this count.</summary>
    public SourceOutcome ToOutcome(RejectSink? rejects)
        => Error is { } error ? SourceOutcome.Failed(error, IsBroken) : SourceOutcome.Counted([Table], rejects is null ? null : [rejects], Format);
}
