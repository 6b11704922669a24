using Tally.Parsing;

namespace Tally.Engine;

/// <summary>One source finished: what it held and how long it took, or why it was left out.</summary>
/// <param name="Index">The source's position in the job's list.</param>
/// <param name="Name">The source's display name.</param>
/// <param name="IsCompressed">Whether it was gzip.</param>
/// <param name="StoredBytes">Bytes read as stored (compressed size for gzip).</param>
/// <param name="Bytes">Uncompressed bytes.</param>
/// <param name="Rows">Rows counted (malformed rows skipped are not rows).</param>
/// <param name="Started">When reading began, from the job's start.</param>
/// <param name="Completed">When its last row was counted and merged, from the job's start.</param>
public sealed record SourceCompletion(
    int Index,
    string Name,
    bool IsCompressed,
    long StoredBytes,
    long Bytes,
    long Rows,
    TimeSpan Started,
    TimeSpan Completed)
{
    /// <summary>Time from the start of reading to completion.</summary>
    public TimeSpan Duration => Completed - Started;

    /// <summary>Times the source was counted again because its worker process crashed or was killed; 0 with threads.</summary>
    public int Retries { get; init; }

    /// <summary>Malformed rows skipped (only with <see cref="MalformedRowPolicy.Skip"/>).</summary>
    public long SkippedRows { get; init; }

    /// <summary>The first few skipped rows, by line (up to <see cref="TallyDefaults.RejectExamplesPerSource"/>).</summary>
    public IReadOnlyList<RejectedRow> SkippedExamples { get; init; } = [];

    /// <summary>Why the source was left out (only with <see cref="BrokenSourcePolicy.Skip"/>); null when it was counted.</summary>
    /// <remarks>A <see cref="TallyDataException"/> or <see cref="TallyInputException"/>. None of the source's rows are in the result.</remarks>
    public Exception? Error { get; init; }

    /// <summary>Whether the source was left out of the result; see <see cref="Error"/>.</summary>
    public bool IsLeftOut => Error is not null;

    /// <summary>Whether the source's table came from a checkpoint instead of being read.</summary>
    public bool Resumed { get; init; }

    /// <summary>The format the source was counted in (its map step's <see cref="Mapping.MapStep.Identity"/>, as chosen for it by <see cref="Mapping.MapStep.ForSource"/>); null when it was empty, resumed or left out.</summary>
    public string? Format { get; init; }

    /// <summary>Why an existing checkpoint of the source was not used (stale or damaged), or null.</summary>
    public string? CheckpointProblem { get; init; }
}
