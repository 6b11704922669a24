using System.Buffers;
using Tally.Formats;

namespace Tally.Sources;

/// <summary>A line-aligned run of bytes from one source, in a pooled buffer owned by whoever holds the block.</summary>
/// <param name="Buffer">Rented from <see cref="ArrayPool{T}.Shared"/>; return it when done.</param>
/// <param name="Length">Bytes of <paramref name="Buffer"/> that belong to the block.</param>
/// <param name="FirstLine">1-based line number of the block's first line in its source; 1 when the reader does not count lines (then line numbers are the block's own).</param>
/// <param name="Lines">Lines in the block (a final line without a newline counts); -1 when the reader does not count lines.</param>
/// <param name="Index">The block's number in its source, from 0.</param>
internal readonly record struct BlockData(byte[] Buffer, int Length, long FirstLine, int Lines, long Index)
{
    /// <summary>Lines in the block, counted now (a final line without a newline counts).</summary>
    public int CountLines() => CountLines(Span);

    /// <summary>Lines in <paramref name="bytes"/>: its newlines, plus one for a final line without one.</summary>
    public static int CountLines(ReadOnlySpan<byte> bytes) => ByteScan.CountLines(bytes);

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);
}

/// <summary>
/// Reads one source sequentially and cuts it into blocks that end at a newline, so a worker
/// never sees part of a row. Detects gzip by its magic bytes and reads every concatenated member.
/// </summary>
/// <remarks>
/// The tail after a block's last newline is copied into the next buffer before the block is
/// handed off, so the reader never touches a buffer a worker owns. A line longer than a block
/// grows the buffer by doubling, up to <see cref="CountOptions.MaxLineLength"/> bytes (not counting
/// its newline), exactly: one byte more is an error, so memory per line stays under twice the limit.
/// Not thread-safe: one reader belongs to one task.
/// </remarks>
internal sealed class BlockReader : IDisposable
{
    private readonly DataSource _source;
    private readonly CountingStream _raw;
    private readonly Stream _data;
    private readonly int _blockSize;
    private readonly int _maxLineLength;

    /// <summary>The next buffer, already holding the previous block's tail.</summary>
    private byte[]? _next;
    private int _nextLength;
    private long _nextLine = 1;
    private long _nextIndex;
    private bool _endOfData;

    /// <summary>Whether blocks carry their line numbers: a pass over every byte, which a caller that can find them later may skip.</summary>
    private readonly bool _countLines;

    private BlockReader(DataSource source, CountingStream raw, Stream data, bool compressed, int blockSize, int maxLineLength, bool countLines)
    {
        _countLines = countLines;
        _source = source;
        _raw = raw;
        _data = data;
        IsCompressed = compressed;
        _blockSize = blockSize;
        _maxLineLength = maxLineLength;
    }

    /// <summary>Whether the source is gzip.</summary>
    public bool IsCompressed { get; }

    /// <summary>Bytes taken from the source as stored; safe to read from any thread.</summary>
    public long StoredBytesRead => _raw.BytesRead;

    /// <summary>Uncompressed bytes cut into blocks so far.</summary>
    public long BytesRead { get; private set; }

    /// <param name="source">The source to read.</param>
    /// <param name="blockSize">Bytes per block.</param>
    /// <param name="maxLineLength">Longest line accepted.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <param name="countLines">False: blocks are numbered but their lines are not counted (<see cref="BlockData.FirstLine"/> is 1).</param>
    public static async ValueTask<BlockReader> OpenAsync(DataSource source, int blockSize, int maxLineLength, CancellationToken cancellationToken, bool countLines = true)
    {
        Stream stream;
        try
        {
            stream = await source.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{source.Name}: {e.Message}", e);
        }

        var raw = new CountingStream(stream);
        try
        {
            var magic = await raw.PeekAsync(2, cancellationToken).ConfigureAwait(false);
            bool gzip = magic.Length == 2 && magic.Span[0] == 0x1f && magic.Span[1] == 0x8b;

            // Every concatenated member is read (pigz and `cat a.gz b.gz` make them), and a
            // stream cut short is an error rather than a shorter file: see GzipDecoder.
            Stream data = gzip ? new GzipDecoder(new NonClosingStream(raw)) : raw;
            return new BlockReader(source, raw, data, gzip, blockSize, maxLineLength, countLines);
        }
        catch (IOException e)
        {
            await raw.DisposeAsync().ConfigureAwait(false);
            throw new TallyInputException($"{source.Name}: {e.Message}", e);
        }
        catch
        {
            await raw.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads the next block, or returns null at the end of the source.</summary>
    /// <exception cref="TallyDataException">Corrupt compressed data, or a line over the limit.</exception>
    public async ValueTask<BlockData?> ReadAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = _next ?? ArrayPool<byte>.Shared.Rent(_blockSize);
        int filled = _nextLength;
        _next = null;
        _nextLength = 0;

        try
        {
            while (true)
            {
                // Never past MaxLineLength + 1 bytes: then every line of a buffer that holds a
                // newline is within the limit, and one that holds none is over it, exactly.
                int limit = (int)Math.Min(buffer.Length, (long)_maxLineLength + 1);
                filled = await FillAsync(buffer, filled, limit, cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }

                if (_endOfData)
                {
                    var last = buffer.AsSpan(0, filled);
                    if (filled - (last.LastIndexOf((byte)'\n') + 1) > _maxLineLength)
                    {
                        ThrowLineTooLong();
                    }

                    return Emit(buffer, filled);
                }

                int lastNewline = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n');
                if (lastNewline >= 0)
                {
                    int length = lastNewline + 1;
                    int tail = filled - length;
                    if (tail > 0)
                    {
                        _next = ArrayPool<byte>.Shared.Rent(Math.Max(_blockSize, tail * 2));
                        buffer.AsSpan(length, tail).CopyTo(_next);
                        _nextLength = tail;
                    }

                    return Emit(buffer, length);
                }

                buffer = Grow(buffer, filled);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private BlockData Emit(byte[] buffer, int length)
    {
        int lines = _countLines ? BlockData.CountLines(buffer.AsSpan(0, length)) : -1;
        var block = new BlockData(buffer, length, _nextLine, lines, _nextIndex++);
        if (_countLines)
        {
            // Without counting, _nextLine stays 1: line numbers are then the block's own.
            _nextLine += lines;
        }

        BytesRead += length;
        return block;
    }

    /// <summary>Makes room for a line that fills <paramref name="buffer"/> from its start without a newline.</summary>
    private byte[] Grow(byte[] buffer, int filled)
    {
        if (filled > _maxLineLength)
        {
            ThrowLineTooLong();
        }

        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)_maxLineLength + 1));
        buffer.AsSpan(0, filled).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>The number the next block will have: the one a line too long is in.</summary>
    public long NextBlockIndex => _nextIndex;

    /// <remarks>Without line counting the line is 1: the first of block <see cref="NextBlockIndex"/>, the one being filled.</remarks>
    private void ThrowLineTooLong()
        => throw new TallyDataException(_source.Name, _nextLine, $"line is longer than the limit of {_maxLineLength:N0} bytes");

    private async ValueTask<int> FillAsync(byte[] buffer, int filled, int limit, CancellationToken cancellationToken)
    {
        while (filled < limit && !_endOfData)
        {
            int read;
            try
            {
                read = await _data.ReadAsync(buffer.AsMemory(filled, limit - filled), cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw new TallyDataException(_source.Name, null, e.Message, e);
            }
            catch (IOException e)
            {
                throw new TallyInputException($"{_source.Name}: {e.Message}", e);
            }

            if (read == 0)
            {
                _endOfData = true;
            }

            filled += read;
        }

        return filled;
    }

    public void Dispose()
    {
        if (_next is { } next)
        {
            ArrayPool<byte>.Shared.Return(next);
            _next = null;
        }

        if (!ReferenceEquals(_data, _raw))
        {
            _data.Dispose();
        }

        _raw.Dispose();
    }
}
