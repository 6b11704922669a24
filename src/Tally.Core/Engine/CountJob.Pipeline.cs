using System.Buffers;
using System.Threading.Channels;
using Tally.Aggregation;
using Tally.Parsing;
using Tally.Sources;

namespace Tally.Engine;

public sealed partial class CountJob
{
    /// <summary>A block on its way from a reader to a worker.</summary>
    private readonly record struct WorkItem(SourceState Source, BlockData Block);

    /// <summary>
    /// readers (async, <c>ConcurrentSources</c> at a time) -> bounded block channel -> workers
    /// (one table per worker per source) -> finished-source channel -> one merger.
    /// </summary>
    private async Task<CountTable> RunPipelineAsync(List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        // One token for every stage: the first failure cancels it, so a bad row in one source
        // stops the readers and workers of all the others promptly instead of finishing them.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failure = new FirstFailure(stop);

        // Bounded, so readers wait when workers fall behind: read-ahead memory stays at about
        // workers * BlocksInFlightPerWorker blocks whatever the input size.
        var blocks = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(_options.Workers * TallyDefaults.BlocksInFlightPerWorker)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = _options.Workers == 1,
        });

        // Unbounded is safe here: it holds at most one entry per source.
        var finished = Channel.CreateUnbounded<SourceState>(new UnboundedChannelOptions { SingleReader = true });

        Task readers = failure.Guard(() => ReadAllAsync(blocks.Writer, finished.Writer, stop.Token));
        Task[] workers = [.. Enumerable.Range(0, _options.Workers)
            .Select(w => failure.Guard(() => Task.Run(() => WorkAsync(w, blocks.Reader, finished.Writer, stop.Token), CancellationToken.None)))];
        Task<CountTable?> merger = failure.Guard(() => MergeAsync(finished.Reader, completed, stop.Token));

        try
        {
            await readers.ConfigureAwait(false);
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Recorded by the guard; every stage is awaited below before anything is thrown.
        }
        finally
        {
            blocks.Writer.TryComplete();
            await Task.WhenAll(workers.Select(Quietly)).ConfigureAwait(false);
            finished.Writer.TryComplete();
            ReturnUnread(blocks.Reader);
        }

        CountTable? table = null;
        try
        {
            table = await merger.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // As above: the guard holds the first failure.
        }

        ThrowFirst(failure.Exception, cancellationToken);
        return table ?? new CountTable();
    }

    private async Task ReadAllAsync(ChannelWriter<WorkItem> blocks, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        try
        {
            var parallel = new ParallelOptions
            {
                MaxDegreeOfParallelism = _options.EffectiveConcurrentSources,
                CancellationToken = cancellationToken,
            };

            // Sources start in the order given and run ConcurrentSources at a time; each reader
            // is an async loop, so a reader waiting on the disk or on a full channel holds no thread.
            await Parallel.ForEachAsync(_sources, parallel,
                (source, token) => ReadSourceAsync(source, blocks, finished, token)).ConfigureAwait(false);
        }
        finally
        {
            blocks.TryComplete();
        }
    }

    private async ValueTask ReadSourceAsync(SourceState source, ChannelWriter<WorkItem> blocks, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        using (var reader = await BlockReader.OpenAsync(source.Source, _options.BlockSize, _options.MaxLineLength, cancellationToken).ConfigureAwait(false))
        {
            source.BeginReading(reader, Elapsed);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } block)
            {
                source.AddBlock();
                try
                {
                    await blocks.WriteAsync(new WorkItem(source, block), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(block.Buffer);
                    throw;
                }
            }

            source.EndReading(reader);
        }

        if (source.Release())
        {
            finished.TryWrite(source);
        }
    }

    private static async Task WorkAsync(int worker, ChannelReader<WorkItem> blocks, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        await foreach (var (source, block) in blocks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var table = source.WorkerTables[worker] ??= new CountTable();
                long rows = NgramV2Parser.Parse(block.Span, table, source.Name, block.FirstLine);
                source.AddCounted(rows, block.Length);
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

    /// <summary>Folds each finished source's worker tables into the result, in completion order.</summary>
    private async Task<CountTable?> MergeAsync(ChannelReader<SourceState> finished, List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        CountTable? result = null;
        await foreach (var source in finished.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            for (int w = 0; w < source.WorkerTables.Length; w++)
            {
                if (source.WorkerTables[w] is not { } table)
                {
                    continue;
                }

                source.WorkerTables[w] = null;
                if (result is null)
                {
                    // The first table is adopted, not copied: its worker has moved on to other sources.
                    result = table;
                    continue;
                }

                try
                {
                    result.MergeFrom(table);
                }
                catch (OverflowException e)
                {
                    throw new TallyDataException(source.Name, null, e.Message, e);
                }
            }

            Publish(source, completed);
        }

        return result;
    }

    private static void ReturnUnread(ChannelReader<WorkItem> blocks)
    {
        while (blocks.TryRead(out var item))
        {
            ArrayPool<byte>.Shared.Return(item.Block.Buffer);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Observed through FirstFailure.
        }
    }

    /// <summary>Keeps the first real failure of any stage and stops the rest.</summary>
    private sealed class FirstFailure(CancellationTokenSource stop)
    {
        private Exception? _exception;

        public Exception? Exception => Volatile.Read(ref _exception);

        public Task Guard(Func<Task> stage) => Watch(stage());

        public Task<T> Guard<T>(Func<Task<T>> stage) => Watch(stage());

        private async Task Watch(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Record(e);
                throw;
            }
        }

        private async Task<T> Watch<T>(Task<T> task)
        {
            try
            {
                return await task.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Record(e);
                throw;
            }
        }

        private void Record(Exception e)
        {
            // Cancellation caused by the stop token is a consequence, not a cause.
            if (e is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref _exception, e, null);
            }

            stop.Cancel();
        }
    }
}
