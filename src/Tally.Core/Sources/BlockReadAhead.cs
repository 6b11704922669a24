using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Tally.Sources;

/// <summary>
/// Reads a source's blocks on a task of its own, a few blocks ahead of the caller that maps them:
/// the next block is inflated while this one is parsed, so one source keeps two cores busy.
/// </summary>
/// <remarks>
/// <para>
/// Why: a cluster node runs one source per slot, each counted on one task. A gzip source spends
/// about half its time inflating, so when a node has fewer sources left than slots (the last
/// source of a job, or three sources on two slots) a core sat idle. The thread executor does not
/// need this: its readers and its map workers are separate tasks already.
/// </para>
/// <para>
/// The same blocks in the same order as <see cref="BlockReader.ReadAsync"/> and its errors at the
/// same point: an error of the reader is kept, not thrown into the channel, and raised by the
/// <see cref="ReadAsync"/> after the last block read before it, so a malformed row in an earlier
/// block is still found first. Memory: at most <c>depth</c> blocks waiting, plus the one being read.
/// </para>
/// </remarks>
internal sealed class BlockReadAhead : IAsyncDisposable
{
    private readonly BlockReader _reader;
    private readonly Channel<BlockData> _blocks;
    private readonly CancellationTokenSource _stop;
    private readonly Task _reading;

    /// <summary>The reader's failure, written before the channel is completed and read after the caller sees it completed (the channel's hand-over orders the two).</summary>
    private ExceptionDispatchInfo? _error;

    /// <summary>Whether the reader reached the end of the source; ordered like <see cref="_error"/>.</summary>
    private bool _ended;

    /// <summary>Starts reading <paramref name="reader"/> at once, up to <paramref name="depth"/> blocks ahead.</summary>
    public BlockReadAhead(BlockReader reader, int depth, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _reader = reader;
        _blocks = Channel.CreateBounded<BlockData>(new BoundedChannelOptions(depth)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _reading = Task.Run(ReadAllAsync, CancellationToken.None);
    }

    /// <summary>The next block, or null at the end; throws the reader's error once every block before it was returned.</summary>
    public async ValueTask<BlockData?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_blocks.Reader.TryRead(out var block))
            {
                return block;
            }

            if (!await _blocks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _error?.Throw();

                // Stopped before the end (the token was cancelled): never a short source's end.
                cancellationToken.ThrowIfCancellationRequested();
                return _ended ? null : throw new OperationCanceledException("reading ahead stopped before the end of the source", _stop.Token);
            }
        }
    }

    /// <summary>Stops the reading task and gives back the buffers of blocks read and never taken; the caller disposes the reader after this.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _reading.ConfigureAwait(false);
        }
        finally
        {
            while (_blocks.Reader.TryRead(out var block))
            {
                ArrayPool<byte>.Shared.Return(block.Buffer);
            }

            _stop.Dispose();
        }
    }

    private async Task ReadAllAsync()
    {
        try
        {
            while (await _reader.ReadAsync(_stop.Token).ConfigureAwait(false) is { } block)
            {
                try
                {
                    await Execution.ChannelWrites.WriteAsync(_blocks.Writer, block, _stop.Token).ConfigureAwait(false);
                }
                catch
                {
                    // Not written (stopped), so the buffer is still ours to give back.
                    ArrayPool<byte>.Shared.Return(block.Buffer);
                    throw;
                }
            }

            _ended = true;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed (the caller stopped early), or the caller's token was cancelled: the caller's
            // own wait throws for that.
        }
        catch (Exception e)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _blocks.Writer.TryComplete();
        }
    }
}
