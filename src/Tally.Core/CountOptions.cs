namespace Tally;

/// <summary>Options of a count job.</summary>
public sealed partial record CountOptions
{
    /// <summary>The defaults.</summary>
    public static CountOptions Default { get; } = new();

    /// <summary>Map workers (threads, worker processes or slots, as the <see cref="Executor"/> understands them; 1 to <see cref="TallyDefaults.MaxWorkers"/>), and the threads the result's sorted output uses; defaults to the processor count.</summary>
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

    /// <summary>Inputs smaller than this (in bytes on disk) run serially; 0 forces the pipeline, <see cref="long.MaxValue"/> the serial path even for streams of unknown size.</summary>
    public long SerialThresholdBytes { get; init; } = TallyDefaults.SerialThresholdBytes;

    /// <summary>How often progress is reported.</summary>
    public TimeSpan ProgressInterval { get; init; } = TallyDefaults.ProgressInterval;

    /// <summary>The clock used for elapsed times and progress reports.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal int EffectiveConcurrentSources => ConcurrentSources ?? (Workers + 1);

    /// <summary>Throws when the options do not make sense together or in range.</summary>
    /// <exception cref="CountOptionsException">Names the option and what is wrong with it.</exception>
    public void Validate()
    {
        ValidateExecution();
        if (Workers is < 1 or > TallyDefaults.MaxWorkers)
        {
            throw new CountOptionsException(nameof(Workers), $"must be between 1 and {TallyDefaults.MaxWorkers}, not {Workers}");
        }

        if (EffectiveConcurrentSources < 1)
        {
            throw new CountOptionsException(nameof(ConcurrentSources), $"must be at least 1, not {ConcurrentSources}");
        }

        if (BlockSize < TallyDefaults.MinBlockSize)
        {
            throw new CountOptionsException(nameof(BlockSize), $"must be at least {TallyDefaults.MinBlockSize} bytes, not {BlockSize}");
        }

        if (MaxLineLength < BlockSize || MaxLineLength > TallyDefaults.MaxLineLengthCeiling)
        {
            throw new CountOptionsException(nameof(MaxLineLength),
                $"must be between the block size ({BlockSize:N0}) and {TallyDefaults.MaxLineLengthCeiling:N0} bytes, not {MaxLineLength:N0}");
        }

        if (RejectsPath is not null && MalformedRows != MalformedRowPolicy.Skip)
        {
            throw new CountOptionsException(nameof(RejectsPath), "needs malformed rows to be skipped: without that the first malformed row stops the count");
        }

        if (ProgressInterval <= TimeSpan.Zero)
        {
            throw new CountOptionsException(nameof(ProgressInterval), $"must be positive, not {ProgressInterval}");
        }
    }
}
