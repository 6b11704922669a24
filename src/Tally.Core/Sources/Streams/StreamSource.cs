namespace Tally.Sources;

/// <summary>A stream supplied by the caller, such as standard input; it can be read once, in this process.</summary>
public sealed class StreamSource : DataSource
{
    private Stream? _stream;

    /// <summary>Wraps <paramref name="stream"/>; it is not disposed by the job.</summary>
    public StreamSource(string name, Stream stream, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(stream);
        Name = name;
        Length = length;
        _stream = stream;
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override long? Length { get; }

    /// <inheritdoc/>
    public override ValueTask<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        var stream = Interlocked.Exchange(ref _stream, null)
            ?? throw new InvalidOperationException($"{Name} can be read only once.");
        return ValueTask.FromResult<Stream>(new CancellableReadStream(stream));
    }
}
