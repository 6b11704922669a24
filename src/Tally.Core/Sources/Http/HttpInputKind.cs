namespace Tally.Sources.Http;

/// <summary>URLs: an input starting with <c>http://</c> or <c>https://</c> is one source, downloaded as it is counted.</summary>
/// <remarks>
/// The URL is not asked for before work starts (thousands of files would cost a round trip each);
/// a missing one fails when it is opened, naming the URL. Other schemes (<c>ftp:</c>, <c>file:</c>)
/// are not inputs of this kind. The kind's sources share one client: one connection pool and
/// <see cref="HttpSourceOptions.MaxDownloads"/> bodies at once.
/// </remarks>
public sealed class HttpInputKind : IInputKind, IDisposable
{
    /// <summary>Made at the first URL, not with the kind.</summary>
    /// <remarks>
    /// Why: every count registers this kind, and the client with its retry pipeline loads HTTP,
    /// Polly and their dependencies (eight assemblies) at start-up: measured on a count of local
    /// files, where no URL ever comes, in docs/benchmarks.md ("What changed the numbers").
    /// </remarks>
    private readonly Lazy<HttpFetcher> _fetcher;

    /// <summary>A kind with <see cref="HttpSourceOptions.FromEnvironment"/>.</summary>
    public HttpInputKind()
        : this(HttpSourceOptions.FromEnvironment())
    {
    }

    /// <summary>A kind downloading with <paramref name="options"/>.</summary>
    public HttpInputKind(HttpSourceOptions options)
    {
        // Refused here, as before the client was made lazily, not at the first URL.
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _fetcher = new(() => new HttpFetcher(options));
    }

    /// <summary>Whether <paramref name="input"/> names a URL of this kind.</summary>
    public static bool IsUrl(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A source for <paramref name="url"/>.</summary>
    /// <exception cref="TallyInputException">It is not an absolute http or https URL.</exception>
    public HttpSource Create(string url, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new TallyInputException($"{url}: not an http or https URL");
        }

        return new HttpSource(_fetcher.Value, uri, name ?? url);
    }

    /// <inheritdoc/>
    public bool TryResolve(string input, InputContext context, ICollection<DataSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (!IsUrl(input))
        {
            return false;
        }

        sources.Add(Create(input));
        return true;
    }

    /// <inheritdoc/>
    public DataSource? FromAddress(string address, string name) => IsUrl(address) ? Create(address, name) : null;

    /// <summary>Downloads <paramref name="url"/> to <paramref name="path"/>; see <see cref="HttpDownload"/>.</summary>
    public Task<DownloadResult> DownloadAsync(string url, string path, IProgress<long>? progress, CancellationToken cancellationToken)
        => HttpDownload.RunAsync(_fetcher.Value, Create(url), path, progress, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_fetcher.IsValueCreated)
        {
            _fetcher.Value.Dispose();
        }
    }
}
