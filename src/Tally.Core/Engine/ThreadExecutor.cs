using System.Buffers;
using System.Threading.Channels;
using Tally.Formats.NgramV2;
using Tally.Sources;

namespace Tally.Engine;

/// <summary>
/// readers (async, <c>ConcurrentSources</c> at a time) -> bounded block channel -> map workers
/// (one table per worker per source) -> finished sources, in completion order.
/// </summary>
internal sealed class ThreadExecutor : ISourceExecutor
{
    /// <summary>A block on its way from a reader to a worker.</summary>
    /// <remarks>
    /// A class, not a struct: the channel's generic code over a reference type is shared code that
    /// the ReadyToRun image holds, while over a struct of ours it is JIT-compiled at every start
    /// (nine methods, between the job's start and its first block). One small object per block.
    /// </remarks>
    private sealed record WorkItem(SourceState Source, BlockData Block);

    public static ThreadExecutor Instance { get; } = new();

    public async Task RunAsync(JobContext context, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        var options = context.Options;

        // One token for every stage: the first failure cancels it, so a bad row in one source
        // stops the readers and workers of all the others promptly instead of finishing them.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failure = new FirstFailure(stop);

        // Bounded, so readers wait when workers fall behind: read-ahead memory stays at about
        // workers * BlocksInFlightPerWorker blocks whatever the input size.
        var blocks = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(options.Workers * TallyDefaults.BlocksInFlightPerWorker)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = options.Workers == 1,
        });

        Task readers = failure.Guard(() => ReadAllAsync(context, blocks.Writer, finished, stop.Token));
        var workers = new Task[options.Workers];
        for (int w = 0; w < workers.Length; w++)
        {
            int worker = w;
            workers[w] = failure.Guard(() => Task.Run(() => WorkAsync(context, worker, blocks.Reader, finished, stop.Token), CancellationToken.None));
        }

        await FirstFailure.Quietly(readers).ConfigureAwait(false);
        blocks.Writer.TryComplete();
        await Task.WhenAll(workers.Select(FirstFailure.Quietly)).ConfigureAwait(false);
        ReturnUnread(blocks.Reader);

        // Every worker has stopped, so every block before a failed one has its lines recorded.
        if (failure.Exception is PendingLineException pending)
        {
            throw pending.Resolve();
        }

        failure.ThrowIfAny(cancellationToken);
    }

    /// <summary>Whether blocks may go without line numbers, found afterwards for an error (see <see cref="LineLedger"/>).</summary>
    /// <remarks>
    /// Only when a parsed block's lines are its rows: the built-in Ngram step, with malformed rows
    /// failing the job. Skipped rows need their lines as they are found (for the rejects and the
    /// examples), and a map step of the user's may count rows its own way.
    /// </remarks>
    private static bool LinesFromRows(CountOptions options)
        => options.MalformedRows == MalformedRowPolicy.Fail && options.MapStep is NgramV2MapStep;

    private static async Task ReadAllAsync(JobContext context, ChannelWriter<WorkItem> blocks, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        try
        {
            var parallel = new ParallelOptions
            {
                MaxDegreeOfParallelism = context.Options.EffectiveConcurrentSources,
                CancellationToken = cancellationToken,
            };

            // Sources start in the order given and run ConcurrentSources at a time; each reader
            // is an async loop, so a reader waiting on the disk or on a full channel holds no thread.
            await Parallel.ForEachAsync(context.Sources, parallel,
                (source, token) => ReadSourceAsync(context, source, blocks, finished, token)).ConfigureAwait(false);
        }
        finally
        {
            blocks.TryComplete();
        }
    }

    private static async ValueTask ReadSourceAsync(JobContext context, SourceState source, ChannelWriter<WorkItem> blocks, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        try
        {
            await ReadBlocksAsync(context, source, blocks, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (context.LeavesOut(e, cancellationToken))
        {
            // The source is left out, not the job. Its blocks already in the channel still hold it,
            // so it reaches the merger (which drops its tables) only after the last one is released.
            source.Fail(e);
        }

        if (source.Release())
        {
            finished.TryWrite(source);
        }
    }

    private static async Task ReadBlocksAsync(JobContext context, SourceState source, ChannelWriter<WorkItem> blocks, CancellationToken cancellationToken)
    {
        var options = context.Options;
        bool linesFromRows = LinesFromRows(options);
        source.Lines = linesFromRows ? new LineLedger() : null;
        using var reader = await BlockReader.OpenAsync(source.Source, options.BlockSize, options.MaxLineLength, cancellationToken, countLines: !linesFromRows).ConfigureAwait(false);
        source.BeginReading(reader, context.Elapsed);
        try
        {
            while (await ReadAsync(reader, source, cancellationToken).ConfigureAwait(false) is { } block)
            {
                source.AddBlock();
                try
                {
                    await WriteAsync(blocks, new WorkItem(source, block), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // Not written, so the buffer is still ours.
                    ArrayPool<byte>.Shared.Return(block.Buffer);
                    throw;
                }
            }
        }
        finally
        {
            source.EndReading(reader);
        }
    }

    /// <summary>The reader's next block; a reader error with a line in the block being filled becomes pending (see <see cref="LineLedger"/>).</summary>
    private static async ValueTask<BlockData?> ReadAsync(BlockReader reader, SourceState source, CancellationToken cancellationToken)
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

    /// <summary>Hands a block to the workers, waiting while the channel is full; when it throws, the block was not written.</summary>
    /// <remarks>
    /// Not <c>WriteAsync(item, token)</c>: on the .NET 10 runtime a write that is cancelled just as
    /// it starts to wait was seen to both throw and deliver its item (a standalone program on
    /// this machine: about one write in 70 cancelled ones). The block's buffer then went
    /// back to the pool twice, once from here and once from the worker that counted it, and the pool
    /// later lent one array to two blocks: wrong totals in a later job of the same process. A wait
    /// carries no item, and <c>TryWrite</c> either takes the block or leaves it with us.
    /// </remarks>
    private static async ValueTask WriteAsync(ChannelWriter<WorkItem> blocks, WorkItem item, CancellationToken cancellationToken)
    {
        while (!blocks.TryWrite(item))
        {
            if (!await blocks.WaitToWriteAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ChannelClosedException();
            }
        }
    }

    private static async Task WorkAsync(JobContext context, int worker, ChannelReader<WorkItem> blocks, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        await foreach (var (source, block) in blocks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                BlockCounter.Count(context, source, worker, block);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block.Buffer);
            }

            if (source.Release())
            {
                finished.TryWrite(source);
            }
        }
    }

    private static void ReturnUnread(ChannelReader<WorkItem> blocks)
    {
        while (blocks.TryRead(out var item))
        {
            // A reader's error past these blocks may need their lines.
            item.Source.Lines?.Record(item.Block.Index, item.Block.CountLines());
            ArrayPool<byte>.Shared.Return(item.Block.Buffer);
        }
    }
}
