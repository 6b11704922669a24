namespace Tally.Engine;

/// <summary>A source counted in another process: its progress arrives as whole figures, not per-block adds.</summary>
internal sealed partial class SourceState
{
    /// <summary>Attempts lost to a failed worker process; written by the one slot running the source.</summary>
    private int _retries;

    public int Retries => Volatile.Read(ref _retries);

    /// <summary>The first task for this source was sent to a worker at <paramref name="started"/>.</summary>
    /// <remarks>A retry keeps the first start, so the source's duration includes the time lost to the crash.</remarks>
    public void BeginRemote(TimeSpan started)
    {
        Started = started;
        Volatile.Write(ref _status, (int)SourceStatus.Running);
    }

    /// <summary>The worker counting this source failed; it is about to be counted again from the start.</summary>
    public void BeginRetry()
    {
        Interlocked.Increment(ref _retries);
        SetRemote(0, 0, 0, IsCompressed);
    }

    /// <summary>Sets the figures a worker reported for the current attempt.</summary>
    /// <remarks>
    /// Absolute values, written with exchanges: a retried task starts again from zero and its
    /// progress replaces the failed attempt's, so rows are never counted twice.
    /// </remarks>
    public void SetRemote(long storedBytes, long bytes, long rows, bool isCompressed)
    {
        IsCompressed = isCompressed;
        Interlocked.Exchange(ref _storedBytes, storedBytes);
        Interlocked.Exchange(ref _bytes, bytes);
        Interlocked.Exchange(ref _rows, rows);
    }
}
