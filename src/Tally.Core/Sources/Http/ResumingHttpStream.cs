using System.Net;

namespace Tally.Sources.Http;

/// <summary>
/// A body read over HTTP that survives a broken connection: when a read fails or stalls, it asks
/// again from the next byte (<c>Range: bytes=N-</c>, with <c>If-Range</c> so that another version
/// of the resource is never spliced on), and the reader above sees one unbroken stream.
/// </summary>
/// <remarks>
/// Everything that would make the bytes differ from the resource's is an error naming the URL,
/// never a shorter or mixed body: a resource that changed (the ETag differs), a server that
/// answers a ranged request with the whole body after part of it was used, a body that ends
/// before its Content-Length, and a body that breaks off <see cref="HttpSourceOptions.Resumes"/>
/// times in a row without a new byte.
/// </remarks>
internal sealed class ResumingHttpStream : ReadOnlyStream
{
    private readonly HttpFetcher _fetcher;
    private readonly Uri _url;
    private readonly string _name;
    private readonly HttpResource _resource;
    private readonly IDisposable? _slot;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private long _position;
    private int _failuresInRow;

    /// <param name="fetcher">The client to reconnect with.</param>
    /// <param name="url">The resource.</param>
    /// <param name="name">How messages name it.</param>
    /// <param name="response">The first response, a 200 or a 206 from <paramref name="position"/>; owned from here on.</param>
    /// <param name="body">The response's body.</param>
    /// <param name="resource">What that response said about the resource.</param>
    /// <param name="position">The byte the response's body starts at.</param>
    /// <param name="slot">A download slot, given back when the stream is disposed; may be null.</param>
    private ResumingHttpStream(HttpFetcher fetcher, Uri url, string name, HttpResponseMessage response, Stream body, HttpResource resource, long position, IDisposable? slot)
    {
        _fetcher = fetcher;
        _url = url;
        _name = name;
        _response = response;
        _body = body;
        _resource = resource;
        _position = position;
        _slot = slot;
    }

    /// <summary>The resource as the first response described it.</summary>
    public HttpResource Resource => _resource;

    /// <summary>The byte the next read returns.</summary>
    public long Position64 => _position;

    /// <summary>Opens <paramref name="url"/> from byte <paramref name="from"/>; a resource of another version than <paramref name="expected"/> is an error, unless <paramref name="restartIfChanged"/> lets the body start over from byte 0.</summary>
    /// <returns>The stream, which tells where it really starts (<see cref="Position64"/>: 0 when the server sent the whole body).</returns>
    public static async Task<ResumingHttpStream> OpenAsync(HttpFetcher fetcher, Uri url, string name, long from, HttpResource? expected,
        bool restartIfChanged, IDisposable? slot, CancellationToken cancellationToken)
    {
        var ifRange = from > 0 ? expected?.IfRange : null;
        if (from > 0 && ifRange is null)
        {
            // Without a validator a range could splice two versions together.
            from = 0;
        }

        var response = await fetcher.GetAsync(url, name, from, ifRange, cancellationToken).ConfigureAwait(false);
        try
        {
            var resource = HttpResource.From(response);
            long position = 0;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                position = response.Content.Headers.ContentRange?.From ?? -1;
                if (position != from)
                {
                    throw new TallyInputException($"{name}: asked for bytes from {from}, the server sent them from {position}");
                }
            }
            else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                if (!restartIfChanged)
                {
                    throw new TallyInputException($"{name}: the server has no bytes from {from} on");
                }

                response.Dispose();
                return await OpenAsync(fetcher, url, name, 0, null, restartIfChanged: false, slot, cancellationToken).ConfigureAwait(false);
            }

            if (expected is not null && !resource.SameVersionAs(expected) && !restartIfChanged)
            {
                throw new TallyInputException($"{name}: the resource changed between attempts ({expected.Describe()}, now {resource.Describe()})");
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ResumingHttpStream(fetcher, url, name, response, body, resource, position, slot);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public override int Read(Span<byte> buffer)
    {
        byte[] rented = new byte[buffer.Length];
        int n = ReadAsync(rented, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string fault;
            if (_body is null)
            {
                try
                {
                    await ResumeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (TallyInputException e) when (e.InnerException is HttpRequestException or IOException)
                {
                    // The connection broke again before the headers: one more failure in a row.
                    fault = e.InnerException.Message;
                    await FailedAsync(fault, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            using (var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // A connection that stays open but sends nothing is as broken as a reset one.
                stall.CancelAfter(_fetcher.Options.Timeout);
                try
                {
                    int n = await _body!.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                    if (n > 0)
                    {
                        _position += n;
                        _failuresInRow = 0;
                        return n;
                    }

                    if (_resource.Length is not { } length || _position >= length)
                    {
                        return 0;
                    }

                    fault = $"the body ended at byte {_position} of {length}";
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    fault = $"no data for {_fetcher.Options.Timeout.TotalSeconds:0.###} s";
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    fault = e.Message;
                }
            }

            await FailedAsync(fault, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the connection after <paramref name="fault"/>, fails when that happened too often in a row or cannot be resumed, and otherwise waits a backoff before the next attempt.</summary>
    private async Task FailedAsync(string fault, CancellationToken cancellationToken)
    {
        Drop();
        if (++_failuresInRow > _fetcher.Options.Resumes)
        {
            string of = _resource.Length is { } total ? $" of {total}" : "";
            throw new TallyInputException($"{_name}: the download broke off at byte {_position}{of} {_failuresInRow} times in a row ({fault})");
        }

        if (!_resource.CanResume)
        {
            throw new TallyInputException($"{_name}: the download broke off at byte {_position} ({fault}), and the server gives no ETag or Last-Modified to resume it by");
        }

        _fetcher.Options.Note?.Invoke($"{_name}: {fault} at byte {_position}; resuming");
        if (_failuresInRow > 1)
        {
            // A first break is resumed at once; a second one in a row at the same byte waits a
            // growing delay, so a server in trouble is not hammered.
            var delay = _fetcher.Options.RetryDelay * (1 << Math.Min(_failuresInRow - 2, 10));
            await Task.Delay(delay < _fetcher.Options.MaxRetryDelay ? delay : _fetcher.Options.MaxRetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        var response = await _fetcher.GetAsync(_url, _name, _position, _position > 0 ? _resource.IfRange : null, cancellationToken).ConfigureAwait(false);
        try
        {
            var now = HttpResource.From(response);
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent:
                    long? from = response.Content.Headers.ContentRange?.From;
                    if (from != _position)
                    {
                        throw new TallyInputException($"{_name}: asked for bytes from {_position}, the server sent them from {from?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown byte"}");
                    }

                    if (!now.SameVersionAs(_resource))
                    {
                        throw new TallyInputException($"{_name}: the resource changed between attempts ({_resource.Describe()}, now {now.Describe()})");
                    }

                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    string of = _resource.Length is { } length ? $" of its Content-Length {length}" : "";
                    throw new TallyInputException($"{_name}: the body is shorter than it was announced: it ends at byte {_position}{of}");
                default:
                    // If-Range answers another version in full; so does a server that ignores Range.
                    if (!now.SameVersionAs(_resource))
                    {
                        throw new TallyInputException($"{_name}: the resource changed between attempts ({_resource.Describe()}, now {now.Describe()})");
                    }

                    if (_position > 0)
                    {
                        throw new TallyInputException($"{_name}: the server ignores Range, so the download cannot go on from byte {_position}");
                    }

                    break;
            }

            _body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            _response = response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private void Drop()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Drop();
            _slot?.Dispose();
        }

        base.Dispose(disposing);
    }
}
