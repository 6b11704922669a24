using Tally.Aggregation;
using Tally.Parsing;

namespace Tally.Execution;

/// <summary>How one task ended: the source's partial tables and skipped rows, or its error.</summary>
public sealed class SourceOutcome
{
    private SourceOutcome(IReadOnlyList<CountTable> tables, IReadOnlyList<RejectSink> rejects, Exception? error, bool isBroken)
    {
        Tables = tables;
        Rejects = rejects;
        Error = error;
        IsBroken = isBroken;
    }

    /// <summary>The source's partial tables (any number; their sum is the source's table).</summary>
    public IReadOnlyList<CountTable> Tables { get; }

    /// <summary>The sinks that hold the source's skipped rows, from <see cref="ExecutorRun.CreateRejectSink"/>.</summary>
    public IReadOnlyList<RejectSink> Rejects { get; }

    /// <summary>Why the source could not be counted, or null.</summary>
    /// <remarks>
    /// A <see cref="TallyDataException"/> (the earliest malformed row of the source, a corrupt file, a
    /// line over the limit), a <see cref="TallyInputException"/> or a <see cref="TallyWorkerException"/>.
    /// </remarks>
    public Exception? Error { get; }

    /// <summary>The identity of the step the source was counted with (see <see cref="Mapping.MapStep.ForSource"/>); null when unknown, as for an empty source.</summary>
    public string? Format { get; private init; }

    /// <summary>Whether <see cref="Error"/> means the source could not be read to its end, so that <see cref="BrokenSourcePolicy.Skip"/> leaves it out.</summary>
    public bool IsBroken { get; }

    /// <summary>The source was counted: its tables, the sinks of its skipped rows, and the format it was read in.</summary>
    public static SourceOutcome Counted(IReadOnlyList<CountTable> tables, IReadOnlyList<RejectSink>? rejects = null, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        return new([.. tables], rejects is null ? [] : [.. rejects], null, false) { Format = format };
    }

    /// <summary>The source failed with <paramref name="error"/>; <paramref name="broken"/> when it could not be read to its end.</summary>
    public static SourceOutcome Failed(Exception error, bool broken)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new([], [], error, broken);
    }
}
