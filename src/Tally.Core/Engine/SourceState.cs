using System.Diagnostics;
using Tally.Aggregation;
using Tally.Parsing;
using Tally.Serialization;
using Tally.Sources;

namespace Tally.Engine;

/// <summary>
/// A source's life in a running job: its progress counters, and the tables the workers fill for it.
/// </summary>
/// <remarks>
/// Counters are written by the reader and the workers with interlocked adds once per block (so
/// contention is one cache line per megabyte) and read by the progress reporter at any time.
/// </remarks>
internal sealed partial class SourceState(DataSource source, int index, int workers)
{
    /// <summary>Outstanding holds: one for the reader until it finishes, plus one per block not yet counted.</summary>
    /// <remarks>
    /// Whoever takes it to zero (the reader or the last worker) hands the source to the merger.
    /// An interlocked decrement is a full fence, so every table write a worker made before its
    /// decrement is visible to whoever sees zero: the merger can read the tables without locks.
    /// </remarks>
    private int _pending = 1;

    /// <summary>Rows counted; written by workers.</summary>
    private long _rows;

    /// <summary>Uncompressed bytes counted; written by workers.</summary>
    private long _bytes;

    /// <summary>The open reader, read by the progress reporter for stored bytes; null before and after reading.</summary>
    private volatile BlockReader? _reader;

    /// <summary>Stored bytes read, fixed when reading ends.</summary>
    private long _storedBytes;

    /// <summary>0 waiting, 1 running, 2 done.</summary>
    private int _status;

    /// <summary>Why the source cannot be counted; set once by its reader, read by workers and the merger.</summary>
    private Exception? _failure;

    /// <summary>A worker's data error held back until the reader ends; see <see cref="Defer"/>.</summary>
    private Exception? _deferred;

    public DataSource Source { get; } = source;

    public int Index { get; } = index;

    public string Name => Source.Name;

    /// <summary>Slot <c>w</c> is created and written only by worker <c>w</c>, then read by the merger after completion.</summary>
    public CountTable?[] WorkerTables { get; } = new CountTable?[workers];

    /// <summary>Skip mode only: slot <c>w</c> holds worker <c>w</c>'s malformed rows of this source, owned like <see cref="WorkerTables"/>.</summary>
    public RejectSink?[] WorkerRejects { get; } = new RejectSink?[workers];

    /// <summary>The file's identity when the job started, for its checkpoint; null for streams or without checkpoints.</summary>
    public FileStamp? Stamp { get; set; }

    /// <summary>Lines per block when the reader does not count them (see <see cref="LineLedger"/>); null when blocks carry their line numbers.</summary>
    public LineLedger? Lines { get; set; }

    /// <summary>Why an existing checkpoint was not used, for the completion.</summary>
    public string? CheckpointProblem { get; set; }

    /// <summary>The reader's error when the source is left out (<see cref="BrokenSourcePolicy.Skip"/>); null while it is fine.</summary>
    /// <remarks>
    /// Workers may still count blocks of a failed source that were already in flight: the merger
    /// drops all its tables, and it sees the source only after every hold is released, so none
    /// of those rows can reach the result. Workers skip such blocks only to save time.
    /// </remarks>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>The first data error a worker found while broken sources are skipped; thrown by the merger unless the source is left out.</summary>
    public Exception? DeferredError => Volatile.Read(ref _deferred);

    public bool IsCompressed { get; private set; }

    public TimeSpan Started { get; private set; }

    public long Rows => Interlocked.Read(ref _rows);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long StoredBytes => _reader is { } reader ? reader.StoredBytesRead : Interlocked.Read(ref _storedBytes);

    public SourceStatus Status => (SourceStatus)Volatile.Read(ref _status);

    public void BeginReading(BlockReader reader, TimeSpan started)
    {
        Started = started;
        IsCompressed = reader.IsCompressed;
        _reader = reader;
        Volatile.Write(ref _status, (int)SourceStatus.Running);
    }

    public void EndReading(BlockReader reader)
    {
        Interlocked.Exchange(ref _storedBytes, reader.StoredBytesRead);
        _reader = null;
    }

    public void AddBlock() => Interlocked.Increment(ref _pending);

    /// <summary>Marks the source as left out; its reader then releases its hold as usual.</summary>
    public void Fail(Exception error) => Interlocked.CompareExchange(ref _failure, error, null);

    /// <summary>Keeps a worker's data error until the source's reader is done; the first one wins.</summary>
    public void Defer(Exception error) => Interlocked.CompareExchange(ref _deferred, error, null);

    /// <summary>Takes the counters of a source whose table comes from a checkpoint, which is then never read.</summary>
    public void Resume(CheckpointInfo info, TimeSpan now)
    {
        Started = now;
        IsCompressed = info.IsCompressed;
        Interlocked.Exchange(ref _storedBytes, info.StoredBytes);
        Interlocked.Exchange(ref _bytes, info.Bytes);
        Interlocked.Exchange(ref _rows, info.Rows);
    }

    /// <summary>Drops one hold; true when it was the last, so the caller must hand the source on.</summary>
    public bool Release()
    {
        int left = Interlocked.Decrement(ref _pending);
        Debug.Assert(left >= 0);
        return left == 0;
    }

    public void AddCounted(long rows, long bytes)
    {
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _bytes, bytes);
    }

    public SourceCompletion Complete(TimeSpan completed)
    {
        Volatile.Write(ref _status, (int)SourceStatus.Done);
        return new SourceCompletion(Index, Name, IsCompressed, StoredBytes, Bytes, Rows, Started, completed)
        {
            Retries = Retries,
            // Every block of the source is released by now, so a pending line can be resolved.
            Error = Failure is { } failure ? PendingLineException.Resolved(failure) : null,
            CheckpointProblem = CheckpointProblem,
        };
    }

    public SourceProgress Snapshot() => new(Name, Source.Length, StoredBytes, Rows, Status);
}
