using System.Buffers;
using Tally.Output.Sorting;

namespace Tally.Output;

/// <summary>Writes sorted totals in a <see cref="RowFormat"/>: rows formatted in chunks on the thread pool, written in order.</summary>
/// <remarks>
/// The rows are cut into chunks of a fixed number of rows; each chunk is formatted into a buffer
/// of its own by a task on the pool, and one loop writes the buffers to the stream in chunk order,
/// so the bytes are those of a serial loop. While chunk k is written, the next chunks are already
/// being formatted: at most <c>window</c> chunks are in flight, which bounds memory whatever the
/// table's size and keeps a slow stream from letting formatted chunks pile up.
/// Chunks are tasks rather than a <c>Parallel.For</c> so that the writer can await the stream
/// without holding a thread, and so that formatting overlaps writing instead of preceding it.
/// </remarks>
internal static class OrderedChunkWriter
{
    /// <summary>How the rows are cut and how many chunks are formatted ahead.</summary>
    /// <param name="ChunkRows">Rows formatted per chunk.</param>
    /// <param name="Window">Chunks formatted ahead on the pool; 0 or 1 formats on the calling thread.</param>
    /// <param name="MaxChunkBytes">A chunk that could need more bytes than this is streamed by the writer itself.</param>
    internal readonly record struct Chunking(int ChunkRows, int Window, int MaxChunkBytes)
    {
        /// <summary>
        /// The defaults for a table of <paramref name="rows"/> rows formatted on <paramref name="threads"/>
        /// threads: serial when small or when 1, otherwise a window that keeps that many busy.
        /// </summary>
        public static Chunking For(int rows, int threads) => new(
            TallyDefaults.OutputChunkRows,
            rows < TallyDefaults.ParallelOutputThreshold || threads <= 1 ? 0 : threads * TallyDefaults.OutputChunksInFlightPerCore,
            TallyDefaults.OutputMaxChunkBytes);
    }

    /// <summary>Writes every row of <paramref name="sorted"/> in <paramref name="format"/> with the default chunking, on <paramref name="threads"/> threads when the table is large.</summary>
    public static Task WriteAsync(SortedTotals sorted, RowFormat format, Stream destination, int threads, CancellationToken cancellationToken)
        => WriteAsync(sorted, format, destination, Chunking.For(sorted.Count, threads), cancellationToken);

    /// <summary>Writes the header of <paramref name="format"/>, every row of <paramref name="sorted"/> in chunks cut as <paramref name="chunking"/> says, and the footer.</summary>
    internal static async Task WriteAsync(SortedTotals sorted, RowFormat format, Stream destination, Chunking chunking, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunking.ChunkRows, 1);
        await WriteFramingAsync(format.WriteHeader, destination, cancellationToken).ConfigureAwait(false);
        await WriteRowsAsync(sorted, format, destination, chunking, cancellationToken).ConfigureAwait(false);
        await WriteFramingAsync(format.WriteFooter, destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes what <paramref name="write"/> produces (a header or footer), with no write call at all when it is empty.</summary>
    private static async Task WriteFramingAsync(Action<IBufferWriter<byte>> write, Stream destination, CancellationToken cancellationToken)
    {
        var framing = new ArrayBufferWriter<byte>();
        write(framing);
        if (framing.WrittenCount > 0)
        {
            await destination.WriteAsync(framing.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes every row of <paramref name="sorted"/>: serially, or in chunks formatted on the pool and written in order.</summary>
    private static async Task WriteRowsAsync(SortedTotals sorted, RowFormat format, Stream destination, Chunking chunking, CancellationToken cancellationToken)
    {
        var (chunkRows, window, maxChunkBytes) = chunking;
        int chunks = (int)(((long)sorted.Count + chunkRows - 1) / chunkRows);
        if (window <= 1 || chunks <= 1)
        {
            await WriteRowsAsync(sorted, format, destination, 0, sorted.Count, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Started in chunk order and awaited in the same order: a queue is the whole reordering
        // logic. A task that finishes early just waits, holding its buffer, until its turn.
        var inFlight = new Queue<Task<Chunk>>(window);
        int next = 0;
        try
        {
            while (next < chunks && inFlight.Count < window)
            {
                inFlight.Enqueue(FormatOnPool(sorted, format, next++, chunkRows, maxChunkBytes, cancellationToken));
            }

            while (inFlight.TryDequeue(out var formatting))
            {
                var chunk = await formatting.ConfigureAwait(false);
                try
                {
                    // The next chunk starts before this one is written, so the cores format
                    // while the writer waits on the stream.
                    if (next < chunks)
                    {
                        inFlight.Enqueue(FormatOnPool(sorted, format, next++, chunkRows, maxChunkBytes, cancellationToken));
                    }

                    if (chunk.Buffer is null)
                    {
                        await WriteRowsAsync(sorted, format, destination, chunk.Start, chunk.End, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await destination.WriteAsync(chunk.Buffer.AsMemory(0, chunk.Length), cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    Return(chunk);
                }
            }
        }
        finally
        {
            // On failure or cancellation, wait for the chunks still formatting: when the call
            // returns no task of it is running, and every rented buffer has gone back to the pool.
            while (inFlight.TryDequeue(out var formatting))
            {
                try
                {
                    Return(await formatting.ConfigureAwait(false));
                }
                catch (OperationCanceledException)
                {
                    // Never started: it rented nothing. The error that brought us here is the one to report.
                }
            }
        }
    }

    /// <summary>Formats rows [start, end) on the calling thread into one reused buffer, writing it whenever it fills.</summary>
    /// <remarks>A row longer than the buffer gets a buffer of its own size, so no key is too long to write.</remarks>
    private static async Task WriteRowsAsync(SortedTotals sorted, RowFormat format, Stream destination, int start, int end, CancellationToken cancellationToken)
    {
        var buffer = new byte[TallyDefaults.OutputStreamBufferBytes];
        int used = 0;
        for (int rank = start; rank < end; rank++)
        {
            var (range, total) = sorted.Row(rank);
            long needed = format.MaxRowBytes(range.GetOffsetAndLength(sorted.Keys.Length).Length);
            if (buffer.Length - used < needed)
            {
                await destination.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                used = 0;
                if (buffer.Length < needed)
                {
                    buffer = new byte[checked((int)needed)];
                }
            }

            used += format.WriteRow(buffer.AsSpan(used), sorted.Keys.AsSpan(range), total);
        }

        await destination.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Formats one chunk into a rented buffer; a chunk whose rows could pass <paramref name="maxChunkBytes"/> is left to the writer.</summary>
    private static Task<Chunk> FormatOnPool(SortedTotals sorted, RowFormat format, int chunk, int chunkRows, int maxChunkBytes, CancellationToken cancellationToken)
        => Task.Run(() =>
        {
            var (start, end) = Rows(sorted.Count, chunk, chunkRows);
            long needed = BytesNeeded(sorted, format, start, end);
            if (needed > maxChunkBytes)
            {
                return new Chunk(start, end, null, 0);
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)needed);
            return new Chunk(start, end, buffer, Format(sorted, format, start, end, buffer));
        }, cancellationToken);

    private static void Return(Chunk chunk)
    {
        if (chunk.Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        }
    }

    /// <summary>The ranks [Start, End) of chunk <paramref name="chunk"/> when <paramref name="count"/> rows are cut into chunks of <paramref name="chunkRows"/>.</summary>
    internal static (int Start, int End) Rows(int count, int chunk, int chunkRows)
    {
        int start = chunk * chunkRows;
        return (start, (int)Math.Min(count, (long)start + chunkRows));
    }

    /// <summary>An upper bound on the bytes of rows [start, end): their keys, times what a key byte may become, plus the most a row adds.</summary>
    private static long BytesNeeded(SortedTotals sorted, RowFormat format, int start, int end)
    {
        long keyBytes = 0;
        for (int rank = start; rank < end; rank++)
        {
            keyBytes += sorted.Ranked[rank].KeyLength;
        }

        return (keyBytes * format.MaxBytesPerKeyByte) + ((long)(end - start) * format.MaxRowOverhead);
    }

    private static int Format(SortedTotals sorted, RowFormat format, int start, int end, byte[] buffer)
    {
        int used = 0;
        for (int rank = start; rank < end; rank++)
        {
            var (key, total) = sorted.Row(rank);
            used += format.WriteRow(buffer.AsSpan(used), sorted.Keys.AsSpan(key), total);
        }

        return used;
    }

    /// <summary>Rows [Start, End) formatted into <c>Buffer</c> (rented), or a null buffer when the writer must stream them itself.</summary>
    private readonly record struct Chunk(int Start, int End, byte[]? Buffer, int Length);
}
