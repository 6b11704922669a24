using System.Threading.Channels;
using Tally.Engine;
using Tally.Sources;

namespace Tally.Execution;

/// <summary>
/// One source of a running job, as an executor sees it: what to count, a token that says whether it
/// is still needed, and the calls that report its progress and its outcome. The job owns its state.
/// </summary>
/// <remarks>
/// Counters are written with interlocked operations (the thread executor adds once per block, from
/// several workers, so contention is one cache line per megabyte) and read by the progress
/// reporter at any time. Nothing else is shared: the outcome travels to the job's merger through
/// <see cref="Complete"/>, once.
/// </remarks>
public sealed class SourceTask : IDisposable
{
    /// <summary>Completed tasks, read by the job's merger.</summary>
    private readonly ChannelWriter<(SourceTask Task, SourceOutcome Outcome)> _finished;

    /// <summary>Cancelled when the job stops or no longer needs this source.</summary>
    private readonly CancellationTokenSource _needed;
    private readonly Func<TimeSpan> _elapsed;

    private long _rows;
    private long _bytes;
    private long _storedBytes;

    /// <summary>Reads the stored bytes live while a reader is open (see <see cref="WatchStoredBytes"/>); null otherwise.</summary>
    private volatile Func<long>? _liveStoredBytes;

    /// <summary>0 waiting, 1 running, 2 done.</summary>
    private int _status;
    private int _completed;
    private int _retries;
    private bool _isCompressed;

    internal SourceTask(DataSource source, int index, Func<TimeSpan> elapsed, ChannelWriter<(SourceTask, SourceOutcome)> finished, CancellationToken job)
    {
        Source = source;
        Index = index;
        _elapsed = elapsed;
        _finished = finished;
        _needed = CancellationTokenSource.CreateLinkedTokenSource(job);
    }

    /// <summary>The source to count.</summary>
    public DataSource Source { get; }

    /// <summary>The source's position in the job's list; also the task's id.</summary>
    public int Index { get; }

    /// <summary>The source's display name.</summary>
    public string Name => Source.Name;

    /// <summary>Cancelled when the job stops or no longer needs this source (an earlier source failed).</summary>
    public CancellationToken Token => _needed.Token;

    /// <summary>Times the source was counted again after a failed attempt.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>Whether the source is gzip, as far as known.</summary>
    public bool IsCompressed => Volatile.Read(ref _isCompressed);

    /// <summary>Rows counted so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Uncompressed bytes counted so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Bytes read as stored so far.</summary>
    public long StoredBytes => _liveStoredBytes is { } live ? live() : Interlocked.Read(ref _storedBytes);

    internal TimeSpan Started { get; private set; }

    internal SourceStatus Status => (SourceStatus)Volatile.Read(ref _status);

    /// <summary>The identity taken before reading, for its checkpoint; null without checkpoints or for sources that have none.</summary>
    internal SourceIdentity? Identity { get; set; }

    /// <summary>Why an existing checkpoint was not used, for the completion.</summary>
    internal string? CheckpointProblem { get; set; }

    /// <summary>The first attempt starts now; a retry keeps this start, so the duration includes the time lost.</summary>
    public void Begin()
    {
        if (Interlocked.CompareExchange(ref _status, (int)SourceStatus.Running, (int)SourceStatus.Waiting) == (int)SourceStatus.Waiting)
        {
            Started = _elapsed();
        }
    }

    /// <summary>Adds rows and uncompressed bytes counted; may be called from several threads.</summary>
    public void AddCounted(long rows, long bytes)
    {
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>Sets the bytes read as stored so far, and whether the source is gzip.</summary>
    public void SetStoredBytes(long storedBytes, bool isCompressed)
    {
        Volatile.Write(ref _isCompressed, isCompressed);
        Interlocked.Exchange(ref _storedBytes, storedBytes);
    }

    /// <summary>Has progress read the stored bytes from <paramref name="storedBytes"/> while it is set, so a read that blocks still shows what came before it; null to stop.</summary>
    /// <remarks>The function must be safe to call from any thread. Set the final value with <see cref="SetStoredBytes"/> before clearing it.</remarks>
    public void WatchStoredBytes(Func<long>? storedBytes) => _liveStoredBytes = storedBytes;

    /// <summary>Sets all figures at once, as a worker elsewhere reports them.</summary>
    /// <remarks>Absolute values: a retried attempt starts again from zero and replaces the failed one's, so rows are never counted twice.</remarks>
    public void SetFigures(SourceFigures figures)
    {
        Volatile.Write(ref _isCompressed, figures.IsCompressed);
        Interlocked.Exchange(ref _storedBytes, figures.StoredBytes);
        Interlocked.Exchange(ref _bytes, figures.Bytes);
        Interlocked.Exchange(ref _rows, figures.Rows);
    }

    /// <summary>The attempt failed for a reason of the executor's (a worker died); the source is about to be counted again from its start.</summary>
    /// <exception cref="InvalidOperationException">The source cannot be read again (<see cref="DataSource.CanReopen"/>).</exception>
    public void BeginRetry()
    {
        if (!Source.CanReopen)
        {
            throw new InvalidOperationException($"{Name} cannot be read again, so it cannot be retried.");
        }

        Interlocked.Increment(ref _retries);
        SetFigures(new SourceFigures(0, 0, 0, IsCompressed));
    }

    /// <summary>Hands the task's outcome to the job; only the first call for a task counts.</summary>
    /// <returns>False when the task was already completed (a late duplicate result, which is dropped).</returns>
    public bool Complete(SourceOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (Interlocked.Exchange(ref _completed, 1) == 1)
        {
            return false;
        }

        // Unbounded channel: at most one entry per source, so the write always succeeds.
        _finished.TryWrite((this, outcome));
        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => _needed.Dispose();

    /// <summary>The job no longer needs this source: an earlier one failed.</summary>
    internal void Abandon()
    {
        try
        {
            _needed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job has ended; nothing runs any more.
        }
    }

    /// <summary>Takes the counters of a checkpoint; the source is then never read.</summary>
    internal void Resume(SourceFigures figures)
    {
        Started = _elapsed();
        SetFigures(figures);
        Interlocked.Exchange(ref _completed, 1);
    }

    internal SourceCompletion Finish(TimeSpan completed)
    {
        Volatile.Write(ref _status, (int)SourceStatus.Done);
        return new SourceCompletion(Index, Name, IsCompressed, StoredBytes, Bytes, Rows, Started, completed)
        {
            Retries = Retries,
            CheckpointProblem = CheckpointProblem,
        };
    }

    internal SourceProgress Snapshot() => new(Name, Source.Length, StoredBytes, Rows, Status);
}
