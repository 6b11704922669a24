namespace Tally.Executors.Processes;

/// <summary>What happened to a worker process; reported to <see cref="ProcessExecutor.Events"/> for tests.</summary>
internal enum WorkerEventKind
{
    /// <summary>The process started and answered the handshake.</summary>
    Started,

    /// <summary>A task was sent to it; <see cref="WorkerEvent.Source"/> names the source.</summary>
    TaskSent,

    /// <summary>It exited or was killed, and has been waited for.</summary>
    Stopped,
}

/// <summary>One event in the life of a worker process.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="ProcessId">The worker's process id.</param>
/// <param name="Source">The source of the task sent, for <see cref="WorkerEventKind.TaskSent"/>.</param>
/// <param name="Attempt">0 for a source's first try, 1 and 2 for retries.</param>
internal sealed record WorkerEvent(WorkerEventKind Kind, int ProcessId, string? Source = null, int Attempt = 0);
