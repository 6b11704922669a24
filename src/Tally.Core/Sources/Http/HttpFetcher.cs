using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using Polly;
using Polly.Retry;

namespace Tally.Sources.Http;

/// <summary>
/// The HTTP client of one input kind: one connection pool, one retry pipeline, one limit on bodies
/// downloaded at once. Answers a request with a response whose status is one to read a body from,
/// or throws a <see cref="TallyInputException"/> naming the URL.
/// </summary>
/// <remarks>
/// What is transient (no connection, a timeout before the headers, 408, 429, 5xx) is retried by a
/// Polly retry strategy with exponential backoff and jitter, honouring <c>Retry-After</c>; what is
/// not (404, 403, a TLS certificate that does not validate, too many redirects) fails at once.
/// TLS certificates are validated by the runtime's defaults, which nothing here loosens.
/// </remarks>
internal sealed class HttpFetcher : IDisposable
{
    private readonly HttpClient _client;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly SemaphoreSlim _downloads;

    public HttpFetcher(HttpSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var handler = new SocketsHttpHandler
        {
            // The bytes are counted as stored: a .gz is inflated by the reader, never by HTTP.
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = options.MaxRedirects > 0,
            MaxAutomaticRedirections = Math.Max(1, options.MaxRedirects),
            ConnectTimeout = options.Timeout,

            // Long downloads outlive DNS changes of a CDN; a new connection is taken for the next request.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        _client = new HttpClient(handler) { Timeout = options.Timeout };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("tally", "1.0"));
        _downloads = new SemaphoreSlim(options.MaxDownloads, options.MaxDownloads);
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, options.Retries),
                ShouldHandle = args => ValueTask.FromResult(options.Retries > 0 && IsTransient(args.Outcome, args.Context.CancellationToken)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxRetryDelay)),
                OnRetry = args =>
                {
                    string why = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.Message ?? "failed";
                    string url = args.Context.Properties.GetValue(s_url, "");
                    options.Note?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"{url}: {why}; retry {args.AttemptNumber + 1} of {options.Retries} in {args.RetryDelay.TotalSeconds:0.###} s"));
                    return default;
                },
            })
            .Build();
    }

    private static readonly ResiliencePropertyKey<string> s_url = new("tally.url");

    public HttpSourceOptions Options { get; }

    /// <summary>Waits for one of <see cref="HttpSourceOptions.MaxDownloads"/> slots; dispose the result to give it back.</summary>
    public async ValueTask<IDisposable> AcquireDownloadAsync(CancellationToken cancellationToken)
    {
        await _downloads.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_downloads);
    }

    /// <summary>Asks for the headers of <paramref name="url"/> (HEAD).</summary>
    /// <exception cref="TallyInputException">A permanent fault, or a transient one past the retries.</exception>
    public async Task<HttpResource> HeadAsync(Uri url, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(url, name, HttpMethod.Head, from: 0, ifRange: null, cancellationToken).ConfigureAwait(false);
        return HttpResource.From(response);
    }

    /// <summary>Asks for the body of <paramref name="url"/> from byte <paramref name="from"/>; with <paramref name="ifRange"/>, a ranged request answered in full (200) means the resource changed or the server ignores ranges.</summary>
    /// <returns>A 200, a 206, or a 416 (nothing at or past <paramref name="from"/>); the caller disposes it.</returns>
    /// <exception cref="TallyInputException">A permanent fault, or a transient one past the retries.</exception>
    public Task<HttpResponseMessage> GetAsync(Uri url, string name, long from, RangeConditionHeaderValue? ifRange, CancellationToken cancellationToken)
        => SendAsync(url, name, HttpMethod.Get, from, ifRange, cancellationToken);

    private async Task<HttpResponseMessage> SendAsync(Uri url, string name, HttpMethod method, long from, RangeConditionHeaderValue? ifRange, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(s_url, name);
        HttpResponseMessage response;
        try
        {
            response = await _retry.ExecuteAsync(
                async (ctx, state) =>
                {
                    using var request = new HttpRequestMessage(state.method, state.url);
                    if (state.from > 0)
                    {
                        request.Headers.Range = new RangeHeaderValue(state.from, null);
                        request.Headers.IfRange = state.ifRange;
                    }

                    return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                (method, url, from, ifRange)).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new TallyInputException($"{name}: {Describe(e)}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TallyInputException($"{name}: no answer within {Options.Timeout.TotalSeconds:0.#} s", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        int status = (int)response.StatusCode;
        if (status is 200 or 206 or 416)
        {
            return response;
        }

        string reason = response.ReasonPhrase is { Length: > 0 } phrase ? $" {phrase}" : "";
        string problem = status switch
        {
            >= 300 and < 400 when response.Headers.Location is { } to
                => $"HTTP {status}{reason}: redirected more than {Options.MaxRedirects} times, or to a redirect not followed ({to})",
            >= 300 and < 400 => $"HTTP {status}{reason} without a Location",
            408 or 429 or >= 500 => $"HTTP {status}{reason}, still after {Options.Retries} retries",
            _ => $"HTTP {status}{reason}",
        };
        response.Dispose();
        throw new TallyInputException($"{name}: {problem}");
    }

    private static string Describe(HttpRequestException e)
        => e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Result is { } response)
        {
            int status = (int)response.StatusCode;
            return status is 408 or 429 or (>= 500 and < 600);
        }

        return outcome.Exception switch
        {
            // A certificate that does not validate stays so: retrying would only hide it.
            HttpRequestException { InnerException: AuthenticationException } => false,
            HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded or HttpRequestError.UserAuthenticationError } => false,
            HttpRequestException => true,
            OperationCanceledException => !cancellationToken.IsCancellationRequested,
            IOException => true,
            _ => false,
        };
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or a date), capped; null lets the backoff decide.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap)
    {
        if (response?.Headers.RetryAfter is not { } after)
        {
            return null;
        }

        var wait = after.Delta ?? (after.Date is { } date ? date - DateTimeOffset.UtcNow : TimeSpan.Zero);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > cap ? cap : wait;
    }

    public void Dispose()
    {
        _client.Dispose();
        _downloads.Dispose();
    }

    private sealed class Slot(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
