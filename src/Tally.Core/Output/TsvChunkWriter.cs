using System.Buffers;
using Tally.Output.Sorting;

namespace Tally.Output;

/// <summary>Writes sorted totals as TSV: rows formatted in chunks on the thread pool, written in order.</summary>
/// <remarks>
/// The rows are cut into chunks of a fixed number of rows; each chunk is formatted into a buffer
/// of its own by a task on the pool, and one loop writes the buffers to the stream in chunk order,
/// so the bytes are those of a serial loop. While chunk k is written, the next chunks are already
/// being formatted: at most <c>window</c> chunks are in flight, which bounds memory whatever the
/// table's size and keeps a slow stream from letting formatted chunks pile up.
/// Chunks are tasks rather than a <c>Parallel.For</c> so that the writer can await the stream
/// without holding a thread, and so that formatting overlaps writing instead of preceding it.
/// </remarks>
internal static class TsvChunkWriter
{
    /// <summary>Buffer of the serial path, written whenever it fills.</summary>
    /// <remarks>64 KiB: a few hundred rows per write call, and the file stream's own buffer size, so each write goes straight through.</remarks>
    private const int StreamBufferBytes = 1 << 16;

    /// <summary>Largest buffer a chunk is formatted into on the pool.</summary>
    /// <remarks>
    /// Ngram chunks are well under a megabyte. Keys can be up to 1 GiB each (the line limit), so a
    /// chunk of very long keys is streamed by the writer instead: the memory of the chunks in
    /// flight stays bounded by <c>window</c> times this, and no buffer can pass the largest array.
    /// </remarks>
    private const int MaxChunkBytes = 64 << 20;

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
            TsvChunkWriter.MaxChunkBytes);
    }

    /// <summary>Writes every row of <paramref name="sorted"/> with the default chunking, on <paramref name="threads"/> threads when the table is large.</summary>
    public static Task WriteAsync(SortedTotals sorted, Stream destination, int threads, CancellationToken cancellationToken)
        => WriteAsync(sorted, destination, Chunking.For(sorted.Count, threads), cancellationToken);

    /// <summary>Writes every row of <paramref name="sorted"/> in chunks cut as <paramref name="chunking"/> says.</summary>
    internal static async Task WriteAsync(SortedTotals sorted, Stream destination, Chunking chunking, CancellationToken cancellationToken)
    {
        var (chunkRows, window, maxChunkBytes) = chunking;
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        int chunks = (int)(((long)sorted.Count + chunkRows - 1) / chunkRows);
        if (window <= 1 || chunks <= 1)
        {
            await WriteRowsAsync(sorted, destination, 0, sorted.Count, cancellationToken).ConfigureAwait(false);
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
                inFlight.Enqueue(FormatOnPool(sorted, next++, chunkRows, maxChunkBytes, cancellationToken));
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
                        inFlight.Enqueue(FormatOnPool(sorted, next++, chunkRows, maxChunkBytes, cancellationToken));
                    }

                    if (chunk.Buffer is null)
                    {
                        await WriteRowsAsync(sorted, destination, chunk.Start, chunk.End, cancellationToken).ConfigureAwait(false);
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
    private static async Task WriteRowsAsync(SortedTotals sorted, Stream destination, int start, int end, CancellationToken cancellationToken)
    {
        var buffer = new byte[StreamBufferBytes];
        int used = 0;
        for (int rank = start; rank < end; rank++)
        {
            var (range, total) = sorted.Row(rank);
            int needed = range.GetOffsetAndLength(sorted.Keys.Length).Length + TsvFormat.RowOverhead;
            if (buffer.Length - used < needed)
            {
                await destination.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                used = 0;
                if (buffer.Length < needed)
                {
                    buffer = new byte[needed];
                }
            }

            used += TsvFormat.WriteRow(buffer.AsSpan(used), sorted.Keys.AsSpan(range), total);
        }

        await destination.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Formats one chunk into a rented buffer; a chunk whose rows could pass <paramref name="maxChunkBytes"/> is left to the writer.</summary>
    private static Task<Chunk> FormatOnPool(SortedTotals sorted, int chunk, int chunkRows, int maxChunkBytes, CancellationToken cancellationToken)
        => Task.Run(() =>
        {
            var (start, end) = Rows(sorted, chunk, chunkRows);
            long needed = BytesNeeded(sorted, start, end);
            if (needed > maxChunkBytes)
            {
                return new Chunk(start, end, null, 0);
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)needed);
            return new Chunk(start, end, buffer, Format(sorted, start, end, buffer));
        }, cancellationToken);

    private static void Return(Chunk chunk)
    {
        if (chunk.Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        }
    }

    private static (int Start, int End) Rows(SortedTotals sorted, int chunk, int chunkRows)
    {
        int start = chunk * chunkRows;
        return (start, (int)Math.Min(sorted.Count, (long)start + chunkRows));
    }

    /// <summary>An upper bound on the bytes of rows [start, end): their keys plus the most a row adds.</summary>
    private static long BytesNeeded(SortedTotals sorted, int start, int end)
    {
        long bytes = 0;
        for (int rank = start; rank < end; rank++)
        {
            bytes += sorted.Ranked[rank].KeyLength + TsvFormat.RowOverhead;
        }

        return bytes;
    }

    private static int Format(SortedTotals sorted, int start, int end, byte[] buffer)
    {
        int used = 0;
        for (int rank = start; rank < end; rank++)
        {
            var (key, total) = sorted.Row(rank);
            used += TsvFormat.WriteRow(buffer.AsSpan(used), sorted.Keys.AsSpan(key), total);
        }

        return used;
    }

    /// <summary>Rows [Start, End) formatted into <c>Buffer</c> (rented), or a null buffer when the writer must stream them itself.</summary>
    private readonly record struct Chunk(int Start, int End, byte[]? Buffer, int Length);
}
