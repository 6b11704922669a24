using Tally.Engine;
using Tally.Parsing;

namespace Tally.Execution;

/// <summary>What one job gives its executor: the tasks, the settings to count them with, and the job's limits.</summary>
public sealed class ExecutorRun
{
    private readonly RejectLog? _rejects;
    private readonly Func<TimeSpan> _elapsed;

    internal ExecutorRun(IReadOnlyList<SourceTask> tasks, CountOptions options, RejectLog? rejects, Func<TimeSpan> elapsed)
    {
        Tasks = tasks;
        Settings = TaskSettings.Of(options);
        Workers = options.Workers;
        ConcurrentSources = options.EffectiveConcurrentSources;
        SerialThresholdBytes = options.SerialThresholdBytes;
        _rejects = rejects;
        _elapsed = elapsed;
    }

    /// <summary>The sources to count, in the order given (those resumed from checkpoints are not here).</summary>
    public IReadOnlyList<SourceTask> Tasks { get; }

    /// <summary>How every source is counted: the map step, the limits and the policies.</summary>
    public TaskSettings Settings { get; }

    /// <summary>Map workers: threads, worker processes or slots, as the executor understands them.</summary>
    public int Workers { get; }

    /// <summary>Sources read at the same time.</summary>
    public int ConcurrentSources { get; }

    /// <summary>Inputs whose known total size is below this may be counted on one thread, with no pipeline.</summary>
    public long SerialThresholdBytes { get; }

    /// <summary>Time since the job started.</summary>
    public TimeSpan Elapsed => _elapsed();

    /// <summary>A sink for the skipped rows of <paramref name="task"/> counted in slot <paramref name="slot"/>; null when malformed rows fail the job.</summary>
    /// <remarks>
    /// One sink per slot per source: a slot (a worker thread, a worker process's slot) adds rows to
    /// its sinks from one thread at a time, so adding needs no lock. Pass the sinks of a source to
    /// <see cref="SourceOutcome.Counted"/>. Rows of a failed attempt that is retried must not stay:
    /// give such a sink to <see cref="DiscardRejects"/>.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is not below <see cref="Workers"/>.</exception>
    public RejectSink? CreateRejectSink(SourceTask task, int slot)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Workers);
        return _rejects?.CreateSink(slot, task.Index, task.Name);
    }

    /// <summary>Drops the rows of a sink whose attempt failed and is retried, so they are not reported twice.</summary>
    public void DiscardRejects(RejectSink? sink)
    {
        if (sink is not null)
        {
            _rejects?.Discard(sink);
        }
    }
}
