namespace Tally;

/// <summary>Every tuning constant of the engine, with where its number comes from.</summary>
public static partial class TallyDefaults
{
    /// <summary>Bytes per block handed from a reader to a map worker.</summary>
    /// <remarks>
    /// 1 MiB: large enough that per-block costs (a channel hop, a pooled rent, a newline count)
    /// are below 0.1% of parsing it, small enough that a block plus the worker's hot table lines
    /// stay near L2 and that the read-ahead bound below stays a few tens of MB.
    /// </remarks>
    public const int BlockSize = 1 << 20;

    /// <summary>The smallest block size allowed.</summary>
    /// <remarks>Tests use blocks this small so that rows cross every block edge; a block must hold more than a line end.</remarks>
    public const int MinBlockSize = 16;

    /// <summary>The most map workers a job may have.</summary>
    /// <remarks>Far beyond any core count; a larger number is a typo, and each worker holds its own tables.</remarks>
    public const int MaxWorkers = 4096;

    /// <summary>Longest line accepted before the job fails with a clear error.</summary>
    /// <remarks>
    /// A reader doubles its buffer to hold a line longer than a block; this caps that growth so a
    /// file without newlines (a wrong input, a binary file) cannot take unbounded memory.
    /// Real Ngram rows are under 1 KB.
    /// </remarks>
    public const int MaxLineLength = 64 << 20;

    /// <summary>The highest <see cref="CountOptions.MaxLineLength"/> allowed.</summary>
    /// <remarks>A line buffer is one array; 1 GiB keeps its doubling well inside the largest array .NET allows.</remarks>
    public const int MaxLineLengthCeiling = 1 << 30;

    /// <summary>Malformed rows kept per source as examples in skip mode.</summary>
    /// <remarks>Enough to show what kind of damage a file has; every row goes to the rejects file when one is asked for.</remarks>
    public const int RejectExamplesPerSource = 5;

    /// <summary>Write buffer of each worker's spill file of rejected rows.</summary>
    /// <remarks>Keeps writes to a few syscalls per 64 KiB when a file is mostly bad; this is all the memory rejected rows take.</remarks>
    public const int RejectSpillBuffer = 64 << 10;

    /// <summary>Blocks that may wait in the channel between readers and workers, per worker.</summary>
    /// <remarks>
    /// Two per worker keeps every worker fed while a reader is between reads (double buffering)
    /// and bounds read-ahead memory at about <c>workers * 2 * BlockSize</c>.
    /// </remarks>
    public const int BlocksInFlightPerWorker = 2;

    /// <summary>Inputs whose known total size is below this run on one thread, with no pipeline.</summary>
    /// <remarks>
    /// Starting workers and channels costs about a millisecond; parsing 1 MiB costs about the
    /// same, so below this size the serial path is as fast or faster and is simpler to debug.
    /// </remarks>
    public const long SerialThresholdBytes = 1 << 20;

    /// <summary>How often a running job reports progress to an <see cref="IProgress{T}"/>.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Buffer of the file stream under a gzip decoder.</summary>
    /// <remarks>The decoder pulls compressed input in small reads; 64 KiB turns them into few syscalls.</remarks>
    public const int CompressedReadBuffer = 64 << 10;

    /// <summary>Stored bytes per distinct key at the least, for sizing a small source's table: a key, a TAB, a number and a line end.</summary>
    /// <remarks>Gzip stores fewer bytes per row than that, so a compressed source may start small and grow once or twice: a few microseconds.</remarks>
    internal const int MinBytesPerKey = 8;

    /// <summary>Initial slot count of a worker's hash table (a power of two).</summary>
    public const int InitialTableCapacity = 1 << 14;
}
