namespace Tally.Sources;

/// <summary>
/// Reads a raw source, counting the bytes taken from it (the compressed bytes for gzip, which is
/// what progress compares with the size on disk), and can replay the first bytes it was asked to
/// peek so that format detection works on pipes too.
/// </summary>
internal sealed class CountingStream(Stream inner) : ReadOnlyStream
{
    private byte[] _peeked = [];
    private int _peekedOffset;

    /// <summary>Bytes read from the inner stream so far; written by the reader, read by progress.</summary>
    private long _bytesRead;

    public long BytesRead => Volatile.Read(ref _bytesRead);

    /// <summary>Reads up to <paramref name="count"/> bytes that later reads return again.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> PeekAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        int read = await inner.ReadAtLeastAsync(buffer, count, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _bytesRead, _bytesRead + read);
        _peeked = buffer.AsSpan(0, read).ToArray();
        _peekedOffset = 0;
        return _peeked;
    }

    public override int Read(Span<byte> buffer)
    {
        if (TakePeeked(buffer) is var fromPeek and > 0)
        {
            return fromPeek;
        }

        int read = inner.Read(buffer);
        Volatile.Write(ref _bytesRead, _bytesRead + read);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TakePeeked(buffer.Span) is var fromPeek and > 0)
        {
            return fromPeek;
        }

        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _bytesRead, _bytesRead + read);
        return read;
    }

    private int TakePeeked(Span<byte> destination)
    {
        int available = _peeked.Length - _peekedOffset;
        if (available == 0 || destination.IsEmpty)
        {
            return 0;
        }

        int n = Math.Min(available, destination.Length);
        _peeked.AsSpan(_peekedOffset, n).CopyTo(destination);
        _peekedOffset += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
