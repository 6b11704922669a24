using System.Buffers;
using System.Threading.Channels;
using Tally.Engine;
using Tally.Execution;
using Tally.Sources;

namespace Tally.Executors.Threads;

/// <summary>
/// The default executor, in this process: readers (async, <see cref="ExecutorRun.ConcurrentSources"/>
/// at a time) -> a bounded block channel -> a map worker per core (one table per worker per source)
/// -> each finished source's outcome, in completion order. Inputs below
/// <see cref="ExecutorRun.SerialThresholdBytes"/> are counted on one thread with no pipeline.
/// </summary>
public sealed class ThreadExecutor : Executor
{
    /// <summary>The name <c>--executor</c> knows it by.</summary>
    public const string ExecutorName = "threads";

    private ThreadExecutor()
        : base(ExecutorName)
    {
    }

    /// <summary>The one instance; it holds no state between jobs.</summary>
    public static ThreadExecutor Instance { get; } = new();

    /// <inheritdoc/>
    public override Task RunAsync(ExecutorRun run, CancellationToken cancellationToken)
        => IsSmall(run) ? SerialAsync(run, cancellationToken) : PipelineAsync(run, cancellationToken);

    /// <summary>Whether the input is so small that starting a pipeline would cost more than it gives.</summary>
    private static bool IsSmall(ExecutorRun run)
    {
        // long.MaxValue asks for the serial path whatever the input, streams of unknown size included.
        if (run.SerialThresholdBytes == long.MaxValue)
        {
            return true;
        }

        long total = 0;
        foreach (var task in run.Tasks)
        {
            if (task.Source.Length is not { } length)
            {
                return false;
            }

            total += length;
        }

        return total < run.SerialThresholdBytes;
    }

    /// <summary>Counts every source in turn on the calling task: no channels, no workers.</summary>
    internal static async Task SerialAsync(ExecutorRun run, IEnumerable<SourceTask> tasks, CancellationToken cancellationToken)
    {
        foreach (var task in tasks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (task.Token.IsCancellationRequested)
            {
                continue;
            }

            task.Begin();
            var rejects = run.CreateRejectSink(task, 0);
            SourceCount count;
            try
            {
                count = await SourceCounter.CountAsync(task.Source, run.Settings, rejects, task.SetFigures, task.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (task.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // No longer needed: an earlier source failed.
                continue;
            }

            if (!task.Token.IsCancellationRequested)
            {
                task.Complete(count.ToOutcome(rejects));
            }
        }
    }

    private static Task SerialAsync(ExecutorRun run, CancellationToken cancellationToken) => SerialAsync(run, run.Tasks, cancellationToken);

    private static async Task PipelineAsync(ExecutorRun run, CancellationToken cancellationToken)
    {
        // One token for every stage: a failure of the executor itself (a map step of the user's
        // that throws) cancels it, so it stops the readers and workers of every source promptly.
        // Data errors are no such failure: they end their own source only (see SourceRun).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failure = new FirstFailure(stop);

        // Bounded, so readers wait when workers fall behind: read-ahead memory stays at about
        // workers * BlocksInFlightPerWorker blocks whatever the input size.
        var blocks = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(run.Workers * TallyDefaults.BlocksInFlightPerWorker)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = run.Workers == 1,
        });

        Task readers = failure.Guard(() => ReadAllAsync(run, blocks.Writer, stop.Token));
        var workers = new Task[run.Workers];
        for (int w = 0; w < workers.Length; w++)
        {
            int worker = w;
            workers[w] = failure.Guard(() => Task.Run(() => WorkAsync(run, worker, blocks.Reader, stop.Token), CancellationToken.None));
        }

        await FirstFailure.QuietlyAsync(readers).ConfigureAwait(false);
        blocks.Writer.TryComplete();
        await Task.WhenAll(workers.Select(FirstFailure.QuietlyAsync)).ConfigureAwait(false);
        ReturnUnread(blocks.Reader);
        failure.ThrowIfAny(cancellationToken);
    }

    private static async Task ReadAllAsync(ExecutorRun run, ChannelWriter<WorkItem> blocks, CancellationToken cancellationToken)
    {
        try
        {
            var parallel = new ParallelOptions
            {
                MaxDegreeOfParallelism = run.ConcurrentSources,
                CancellationToken = cancellationToken,
            };

            // Sources start in the order given and run ConcurrentSources at a time; each reader
            // is an async loop, so a reader waiting on the disk or on a full channel holds no thread.
            // Starting in order matters for errors too: when a source fails, every source before it
            // has started, so the job can finish those and report the first source's error.
            await Parallel.ForEachAsync(run.Tasks, parallel,
                (task, token) => ReadSourceAsync(run, new SourceRun(task, run), blocks, token)).ConfigureAwait(false);
        }
        finally
        {
            blocks.TryComplete();
        }
    }

    private static async ValueTask ReadSourceAsync(ExecutorRun run, SourceRun source, ChannelWriter<WorkItem> blocks, CancellationToken cancellationToken)
    {
        var task = source.Task;
        if (!task.Token.IsCancellationRequested)
        {
            task.Begin();

            // The reader stops when the executor stops or when the job no longer needs the source.
            using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, task.Token);
            try
            {
                await ReadBlocksAsync(run, source, blocks, reading.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TallyDataException or TallyInputException or PendingLineException)
            {
                // The source cannot be read to its end. Its blocks already in the channel still
                // hold it, so its outcome is decided when the last one is released. Whether or not
                // the source was abandoned meanwhile: an error thrown just as an earlier source's
                // failure cancels this one is still this source's outcome (dropped by the job, since
                // an earlier source failed), never a failure of the executor. Found by the fuzz test.
                source.ReadFailed(e);
            }
            catch (OperationCanceledException) when (task.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // No longer needed: an earlier source failed.
            }
        }

        source.Release();
    }

    private static async Task ReadBlocksAsync(ExecutorRun run, SourceRun source, ChannelWriter<WorkItem> blocks, CancellationToken cancellationToken)
    {
        var settings = run.Settings;
        using var reader = await BlockReader.OpenAsync(source.Task.Source, settings.BlockSize, settings.MaxLineLength, cancellationToken,
            countLines: source.Lines is null).ConfigureAwait(false);
        source.Task.SetStoredBytes(0, reader.IsCompressed);
        source.Task.WatchStoredBytes(() => reader.StoredBytesRead);
        try
        {
            await ReadBlocksAsync(reader, source, blocks, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            source.Task.SetStoredBytes(reader.StoredBytesRead, reader.IsCompressed);
            source.Task.WatchStoredBytes(null);
        }
    }

    private static async Task ReadBlocksAsync(BlockReader reader, SourceRun source, ChannelWriter<WorkItem> blocks, CancellationToken cancellationToken)
    {
        while (!source.StopsReading && await ReadAsync(reader, source, cancellationToken).ConfigureAwait(false) is { } block)
        {
            if (source.Step is null && !source.ChooseStep(block))
            {
                // The data fits no format: that is the source's error, and no block of it is counted.
                ArrayPool<byte>.Shared.Return(block.Buffer);
                return;
            }

            source.AddBlock();
            try
            {
                await ChannelWrites.WriteAsync(blocks, new WorkItem(source, block), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Not written, so the buffer is still ours, and the block's hold ours to drop.
                ArrayPool<byte>.Shared.Return(block.Buffer);
                source.Skipped(block);
                source.Release();
                throw;
            }
        }
    }

    /// <summary>The reader's next block; a reader error with a line in the block being filled becomes pending (see <see cref="LineLedger"/>).</summary>
    private static async ValueTask<BlockData?> ReadAsync(BlockReader reader, SourceRun source, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TallyDataException e) when (source.Lines is { } ledger && e.Line is not null)
        {
            throw new PendingLineException(e, ledger, reader.NextBlockIndex);
        }
    }

    private static async Task WorkAsync(ExecutorRun run, int worker, ChannelReader<WorkItem> blocks, CancellationToken cancellationToken)
    {
        await foreach (var (source, block) in blocks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                source.Count(worker, block);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block.Buffer);
            }

            source.Release();
        }
    }

    private static void ReturnUnread(ChannelReader<WorkItem> blocks)
    {
        // Only after a failure of the executor itself: the job fails, so no source is completed.
        while (blocks.TryRead(out var item))
        {
            ArrayPool<byte>.Shared.Return(item.Block.Buffer);
        }
    }

    /// <summary>A block on its way from a reader to a worker.</summary>
    /// <remarks>
    /// A class, not a struct: the channel's generic code over a reference type is shared code that
    /// the ReadyToRun image holds, while over a struct of ours it is JIT-compiled at every start
    /// (nine methods, between the job's start and its first block). One small object per block.
    /// </remarks>
    private sealed record WorkItem(SourceRun Source, BlockData Block);
}
