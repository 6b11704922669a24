namespace Tally;

/// <summary>Where a count job's map step runs.</summary>
public enum ExecutorKind
{
    /// <summary>
    /// In this process: a map worker per core on the thread pool, or one thread with no pipeline
    /// when the input is below <see cref="CountOptions.SerialThresholdBytes"/>. The default and the fastest.
    /// </summary>
    Threads,

    /// <summary>
    /// In <see cref="CountOptions.Workers"/> child processes started with <see cref="CountOptions.WorkerCommand"/>,
    /// one source per task, for isolation: a worker that crashes is replaced and its source retried.
    /// Sources that are not files (standard input) are counted in this process.
    /// </summary>
    Processes,
}
