using System.Diagnostics;
using Tally.Aggregation;
using Tally.Execution;
using Tally.Parsing;
using Tally.Sources;

namespace Tally.Executors.Threads;

/// <summary>
/// The thread executor's own state for one source while its blocks are counted: a table and a
/// sink per worker, the holds that tell when the last block is done, and the source's earliest error.
/// </summary>
/// <remarks>
/// <para>
/// Tables and sinks: slot <c>w</c> is created and written only by worker <c>w</c>, and read once
/// the last hold is released. Holds: one for the reader until it finishes, plus one per block not
/// yet counted. Whoever takes them to zero (the reader or the last worker) completes the task. An
/// interlocked decrement is a full fence, so every table write a worker made before its decrement
/// is visible to whoever sees zero: the outcome can read the tables without locks.
/// </para>
/// <para>
/// Errors: blocks of a source are counted by several workers at once, so the first error found is
/// not always the first in the file. A malformed row in block <c>b</c> stops the reader and makes
/// workers skip blocks after <c>b</c>, but blocks before it are still counted, since they may hold
/// an earlier one; the outcome names the error of the lowest block. The same error on every run,
/// for any worker count. A read error lies past every block read, so a row error wins over it,
/// except that with <see cref="BrokenSourcePolicy.Skip"/> a broken source is left out whatever its rows.
/// </para>
/// </remarks>
internal sealed class SourceRun
{
    private readonly ExecutorRun _run;
    private readonly CountTable?[] _tables;
    private readonly RejectSink?[] _rejects;
    private readonly bool _readsToEnd;

    /// <summary>See the remarks: starts at one, the reader's hold.</summary>
    private int _pending = 1;

    /// <summary>The block of <see cref="_rowError"/>; <see cref="long.MaxValue"/> while there is none. Written under <see cref="_errorLock"/>, read without it.</summary>
    private long _errorBlock = long.MaxValue;
    private Exception? _rowError;
    private Exception? _readError;
    private readonly Lock _errorLock = new();

    public SourceRun(SourceTask task, ExecutorRun run)
    {
        Task = task;
        _run = run;
        _tables = new CountTable?[run.Workers];
        _rejects = new RejectSink?[run.Workers];
        _readsToEnd = run.Settings.BrokenSources == BrokenSourcePolicy.Skip;

        // Blocks may go without line numbers, found afterwards for an error (see LineLedger), only
        // when a parsed block's lines are its rows: skipped rows need their lines as they are found.
        Lines = run.Settings.MalformedRows == MalformedRowPolicy.Fail && run.Settings.MapStep.RowsAreLines ? new LineLedger() : null;
    }

    public SourceTask Task { get; }

    /// <summary>The step this source's blocks are mapped with, chosen by the reader from the first block before any block is handed to a worker; the channel's hand-over publishes it.</summary>
    public Mapping.MapStep? Step { get; private set; }

    /// <summary>Chooses the step from the first block (see <see cref="Mapping.MapStep.ForSource"/>); false when the data fits none, recorded as the error of block 0.</summary>
    public bool ChooseStep(in BlockData first)
    {
        try
        {
            Step = _run.Settings.MapStep.ForSource(first.Span, Task.Name);
            return true;
        }
        catch (TallyDataException e)
        {
            Skipped(first);
            RowFailed(first.Index, e);
            return false;
        }
    }

    /// <summary>Lines per block when the reader does not count them; null when blocks carry their line numbers.</summary>
    public LineLedger? Lines { get; }

    /// <summary>Whether the reader should stop: a malformed row was found, and nothing further on can change the outcome.</summary>
    public bool StopsReading => !_readsToEnd && Volatile.Read(ref _errorBlock) != long.MaxValue;

    public void AddBlock() => Interlocked.Increment(ref _pending);

    /// <summary>Counts <paramref name="block"/> as worker <paramref name="worker"/>, or skips it when it cannot matter; the caller returns the buffer.</summary>
    public void Count(int worker, in BlockData block)
    {
        // Blocks after the earliest error cannot change the outcome, nor can any block of a source
        // that is left out or no longer needed: skipping them only saves time.
        if (block.Index > Volatile.Read(ref _errorBlock) || Task.Token.IsCancellationRequested
            || (_readsToEnd && Volatile.Read(ref _readError) is not null))
        {
            Skipped(block);
            return;
        }

        try
        {
            var table = _tables[worker] ??= CountTable.ForSource(Task.Source.Length);
            var rejects = _rejects[worker] ??= _run.CreateRejectSink(Task, worker);
            long rows = SourceCounter.MapBlock(Step!, Task.Name, block, table, rejects);

            // Without skipped rows every line was a row (see LineLedger).
            Lines?.Record(block.Index, rows);
            Task.AddCounted(rows, block.Length);
        }
        catch (TallyDataException e)
        {
            // A later error's line may need this block's lines, whatever went wrong here. A line
            // here is the block's own: it becomes the file's once every block before is known.
            Lines?.Record(block.Index, block.CountLines());
            RowFailed(block.Index, Lines is { } ledger && e.Line is not null ? new PendingLineException(e, ledger, block.Index) : e);
        }
    }

    /// <summary>A block that was not counted; its lines are still recorded, for an error further on.</summary>
    public void Skipped(in BlockData block) => Lines?.Record(block.Index, block.CountLines());

    /// <summary>The reader failed: the source cannot be read to its end.</summary>
    public void ReadFailed(Exception error) => Volatile.Write(ref _readError, error);

    /// <summary>Drops one hold; the last one completes the task.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _pending);
        Debug.Assert(left >= 0);
        if (left == 0 && !Task.Token.IsCancellationRequested)
        {
            Task.Complete(Outcome());
        }
    }

    private void RowFailed(long block, Exception error)
    {
        lock (_errorLock)
        {
            if (block < _errorBlock)
            {
                _rowError = error;
                Volatile.Write(ref _errorBlock, block);
            }
        }
    }

    /// <summary>The source's outcome, once every hold is released.</summary>
    private SourceOutcome Outcome()
    {
        var readError = Volatile.Read(ref _readError);
        if (readError is not null && (_readsToEnd || _rowError is null))
        {
            return SourceOutcome.Failed(PendingLineException.Resolved(readError), broken: true);
        }

        if (_rowError is { } rowError)
        {
            // Every block before the error's has been counted or skipped, so its line can be resolved.
            return SourceOutcome.Failed(PendingLineException.Resolved(rowError), broken: false);
        }

        return SourceOutcome.Counted([.. _tables.OfType<CountTable>()], [.. _rejects.OfType<RejectSink>()], Step?.Identity);
    }
}
