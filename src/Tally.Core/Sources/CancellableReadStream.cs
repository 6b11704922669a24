namespace Tally.Sources;

/// <summary>
/// Reads a stream the caller owns (and leaves open), such that a cancelled read returns at once
/// even when the stream ignores cancellation.
/// </summary>
/// <remarks>
/// Standard input on Unix is one such stream: its async read is a blocking read(2) on a pool
/// thread, so Ctrl+C while <c>tally count -</c> waits for a quiet pipe or a terminal would never
/// stop the job. Here the caller stops waiting and the read is abandoned. The inner read fills a
/// private buffer, never the caller's: an abandoned read may still complete later, and by then the
/// caller's buffer may be back in a pool and lent to someone else. After an abandoned read the
/// stream is finished: nothing more can be read from it in order.
/// </remarks>
internal sealed class CancellableReadStream(Stream inner, bool ownsInner = false) : ReadOnlyStream
{
    private byte[] _buffer = [];
    private bool _abandoned;

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_abandoned, this);
        if (!cancellationToken.CanBeCanceled)
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        if (_buffer.Length < buffer.Length)
        {
            _buffer = new byte[buffer.Length];
        }

        var read = inner.ReadAsync(_buffer.AsMemory(0, buffer.Length), cancellationToken).AsTask();
        try
        {
            int n = await read.WaitAsync(cancellationToken).ConfigureAwait(false);
            _buffer.AsSpan(0, n).CopyTo(buffer.Span);
            return n;
        }
        catch (OperationCanceledException) when (!read.IsCompleted)
        {
            _abandoned = true;
            _buffer = [];
            throw;
        }
    }

    /// <summary>Disposes the inner stream when this one owns it (a FIFO it opened), unless a read on it was abandoned and may still be running.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner && !_abandoned)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
