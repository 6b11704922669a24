namespace Tally.Sources.Http;

/// <summary>A resource read over HTTP or HTTPS, streamed through the reader with no temporary file, resumed where a connection broke.</summary>
/// <remarks>
/// Its address is its URL, so a worker process downloads it itself. Its identity for checkpoints
/// is the URL with the ETag (else the Last-Modified date) and the length, asked with a HEAD; the
/// body then read must be of that same version. Its length is known once the server has said it,
/// so progress has a total from the first response on.
/// </remarks>
public sealed class HttpSource : DataSource
{
    private readonly HttpFetcher _fetcher;
    private HttpResource? _resource;
    private long _length = -1;

    internal HttpSource(HttpFetcher fetcher, Uri url, string name)
    {
        _fetcher = fetcher;
        Url = url;
        Name = name;
    }

    /// <summary>The URL read.</summary>
    public Uri Url { get; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    /// <remarks>The Content-Length, once a response gave it; null before.</remarks>
    public override long? Length => Volatile.Read(ref _length) is var length and >= 0 ? length : null;

    /// <inheritdoc/>
    public override string? Address => Url.AbsoluteUri;

    /// <inheritdoc/>
    public override async ValueTask<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        // The slot is held until the body is read to its end and the stream disposed, so at most
        // MaxDownloads bodies are open at once; waiting for one holds no thread.
        var slot = await _fetcher.AcquireDownloadAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = await ResumingHttpStream.OpenAsync(_fetcher, Url, Name, 0, Volatile.Read(ref _resource), restartIfChanged: false, slot, cancellationToken).ConfigureAwait(false);
            Learn(stream.Resource);
            return stream;
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>url:</c> and the URL; the version is the ETag (else the Last-Modified date) and the length. A resource with neither validator is never checkpointed.</remarks>
    public override async ValueTask<SourceIdentity?> IdentifyAsync(CancellationToken cancellationToken)
    {
        var resource = await _fetcher.HeadAsync(Url, Name, cancellationToken).ConfigureAwait(false);
        Learn(resource);
        return resource.ETag is null && resource.LastModified is null
            ? null
            : new SourceIdentity($"url:{Url.AbsoluteUri}", resource.Version);
    }

    private void Learn(HttpResource resource)
    {
        // The first version seen is the one every later response must match.
        Interlocked.CompareExchange(ref _resource, resource, null);
        if (resource.Length is { } length)
        {
            Volatile.Write(ref _length, length);
        }
    }
}
