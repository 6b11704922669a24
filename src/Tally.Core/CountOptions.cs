namespace Tally;

/// <summary>Options of a count job.</summary>
public sealed partial record CountOptions
{
    /// <summary>The defaults.</summary>
    public static CountOptions Default { get; } = new();

    /// <summary>Map workers (threads, or worker processes with <see cref="ExecutorKind.Processes"/>), and the threads the result's sorted output uses; defaults to the processor count.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Sources read at the same time; defaults to one more than <see cref="Workers"/>.</summary>
    /// <remarks>
    /// A gzip stream inflates on one core, so with gzip input the readers are CPU work too: one
    /// more reader than workers keeps every core busy while one reader waits on the disk.
    /// </remarks>
    public int? ConcurrentSources { get; init; }

    /// <summary>Bytes per block; tests use tiny blocks so rows cross every block edge.</summary>
    public int BlockSize { get; init; } = TallyDefaults.BlockSize;

    /// <summary>Longest line accepted, in bytes without its line end; see <see cref="TallyDefaults.MaxLineLength"/>.</summary>
    /// <remarks>A longer line makes its source broken (see <see cref="BrokenSources"/>); memory per line stays under twice this.</remarks>
    public int MaxLineLength { get; init; } = TallyDefaults.MaxLineLength;

    /// <summary>Whether a malformed row stops the job (the default) or is skipped and reported.</summary>
    public MalformedRowPolicy MalformedRows { get; init; } = MalformedRowPolicy.Fail;

    /// <summary>Where every skipped row is written, as <c>path TAB line TAB reason TAB row</c>; null for none.</summary>
    /// <remarks>
    /// Needs <see cref="MalformedRowPolicy.Skip"/>. Rows are in the order of the job's sources, then by
    /// line; rows of a source left out by <see cref="BrokenSourcePolicy.Skip"/> are not in it. Written
    /// whole when the job succeeds (temporary file, then rename), never when it fails or is cancelled.
    /// Memory stays bounded: rows spill to temporary files beside it as they are found.
    /// </remarks>
    public string? RejectsPath { get; init; }

    /// <summary>Whether a source that cannot be read to its end stops the job (the default) or is left out.</summary>
    public BrokenSourcePolicy BrokenSources { get; init; } = BrokenSourcePolicy.Fail;

    /// <summary>Folder where each finished file's table is saved, and from which a rerun resumes; null for none.</summary>
    /// <remarks>
    /// A file with a valid checkpoint (same full path, size and modification time, intact checksums)
    /// is not read again. Streams such as standard input cannot be checkpointed and are always read.
    /// See docs/design.md, "Checkpoints".
    /// </remarks>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Inputs smaller than this (in bytes on disk) run serially; 0 forces the pipeline.</summary>
    public long SerialThresholdBytes { get; init; } = TallyDefaults.SerialThresholdBytes;

    /// <summary>How often progress is reported.</summary>
    public TimeSpan ProgressInterval { get; init; } = TallyDefaults.ProgressInterval;

    /// <summary>The clock used for elapsed times and progress reports.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal int EffectiveConcurrentSources => ConcurrentSources ?? (Workers + 1);

    internal void Validate()
    {
        ValidateExecution();
        if (Workers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "At least one worker is needed.");
        }

        if (EffectiveConcurrentSources < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ConcurrentSources), ConcurrentSources, "At least one source must be read at a time.");
        }

        if (BlockSize < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "Blocks must be at least 16 bytes.");
        }

        if (MaxLineLength < BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineLength), MaxLineLength, "The line limit must be at least one block.");
        }

        if (MaxLineLength > TallyDefaults.MaxLineLengthCeiling)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineLength), MaxLineLength, "The line limit must be at most 1 GiB.");
        }

        if (Executor == ExecutorKind.Processes && (MalformedRows == MalformedRowPolicy.Skip || BrokenSources == BrokenSourcePolicy.Skip))
        {
            // Version 1 of the worker protocol carries no skipped rows or left-out files, so a
            // worker would fail where the caller asked to skip: refuse rather than mislead.
            throw new ArgumentException("Skipping malformed rows or broken files is not supported with worker processes yet; use the thread executor.", nameof(Executor));
        }

        if (RejectsPath is not null && MalformedRows != MalformedRowPolicy.Skip)
        {
            throw new ArgumentException("A rejects file needs MalformedRows = Skip: without it no row is ever skipped.", nameof(RejectsPath));
        }

        if (ProgressInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "The progress interval must be positive.");
        }
    }
}
