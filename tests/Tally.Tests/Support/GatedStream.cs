using Tally.Sources;

namespace Tally.Tests.Support;

/// <summary>Serves a first part of its data at once and the rest only after <see cref="Open"/>; counts reads.</summary>
internal sealed class GatedStream(byte[] first, byte[] rest) : ReadOnlyStream
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _position;
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public void Open() => _gate.TrySetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        if (_position >= first.Length)
        {
            await _gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var data = _position < first.Length ? first.AsMemory(_position) : rest.AsMemory(_position - first.Length);
        int n = Math.Min(buffer.Length, data.Length);
        data.Slice(0, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override int Read(Span<byte> buffer)
    {
        var copy = new byte[buffer.Length];
        int n = ReadAsync(copy).AsTask().GetAwaiter().GetResult();
        copy.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

}

/// <summary>Rows forever (or, without newlines, one endless line), until cancelled; counts reads so a test can see reading stop.</summary>
internal sealed class EndlessStream(bool newlines = true) : ReadOnlyStream
{
    private readonly byte[] _row = newlines ? "endless\t2000\t1\t1\n"u8.ToArray() : "endless\t2000\t1\t1 "u8.ToArray();
    private long _position;
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public override int Read(Span<byte> buffer)
    {
        Interlocked.Increment(ref _reads);
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = _row[(int)(_position++ % _row.Length)];
        }

        return buffer.Length;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A real disk read yields; so does this, so cancellation is observed between reads.
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return Read(buffer.Span);
    }

}
