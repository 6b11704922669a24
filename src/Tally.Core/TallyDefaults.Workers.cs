namespace Tally;

/// <summary>The worker-process executor's limits.</summary>
public static partial class TallyDefaults
{
    /// <summary>Times a source is retried after the worker process counting it crashed or was killed.</summary>
    /// <remarks>
    /// Two retries ride out a worker killed by accident or by the out-of-memory killer; a source
    /// that crashes three fresh processes in a row is the cause, not the victim, so the job stops
    /// and names it. Data errors are never retried: they would fail the same way.
    /// </remarks>
    public const int WorkerRetries = 2;

    /// <summary>Bytes of a serialised table per frame sent back by a worker process.</summary>
    /// <remarks>
    /// 1 MiB keeps each frame (and the buffers on both sides) small next to the table itself, while
    /// the per-frame cost, a 5-byte header and one pipe write, stays far below the copy.
    /// </remarks>
    public const int WorkerTableChunkBytes = 1 << 20;

    /// <summary>Largest frame either side of the worker protocol accepts.</summary>
    /// <remarks>Well above any frame Tally writes; a larger length means the stream is not the protocol (or is damaged).</remarks>
    public const int WorkerMaxFrameBytes = 16 << 20;

    /// <summary>How long a worker process may take to start and answer the handshake.</summary>
    /// <remarks>A .NET worker starts in about 0.1 s; a minute allows for a loaded machine without hanging the job forever.</remarks>
    public static readonly TimeSpan WorkerStartTimeout = TimeSpan.FromMinutes(1);

    /// <summary>How long a worker may take to exit after its input is closed before it is killed.</summary>
    public static readonly TimeSpan WorkerExitTimeout = TimeSpan.FromSeconds(5);
}
