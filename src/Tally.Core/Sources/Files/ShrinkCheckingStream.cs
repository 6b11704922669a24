namespace Tally.Sources;

/// <summary>Reads a regular file and fails at its end when it holds fewer bytes than when it was opened: it shrank while it was read.</summary>
/// <remarks>
/// Without it a file truncated by another program mid-read would end early and look complete: a
/// silent partial total. A file that grows is read as far as it goes. One check per read call.
/// </remarks>
internal sealed class ShrinkCheckingStream(FileStream inner, string name) : ReadOnlyStream
{
    private readonly long _expected = inner.Length;
    private long _read;

    public override int Read(Span<byte> buffer) => Check(inner.Read(buffer), buffer.IsEmpty);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Check(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.IsEmpty);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Check(int read, bool asked)
    {
        _read += read;
        if (read == 0 && !asked && _read < _expected)
        {
            throw new TallyInputException($"{name}: the file shrank while it was read: it held {_expected:N0} bytes when opened, and ended after {_read:N0}");
        }

        return read;
    }
}
