namespace Tally.Sources;

/// <summary>Forwards reads to a stream the caller owns, and leaves it open on dispose.</summary>
internal sealed class NonClosingStream(Stream inner) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => inner.ReadAsync(buffer, cancellationToken);
}
