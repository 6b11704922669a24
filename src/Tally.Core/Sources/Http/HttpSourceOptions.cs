using System.Globalization;

namespace Tally.Sources.Http;

/// <summary>How HTTP sources download: how many at once, how they retry, how long they wait.</summary>
/// <remarks>
/// The defaults suit Google's servers; tests shrink the delays so that a retried fault costs
/// milliseconds. The environment variable <c>TALLY_HTTP_RETRY_DELAY_MS</c> sets
/// <see cref="RetryDelay"/> and caps <see cref="MaxRetryDelay"/> for <see cref="FromEnvironment"/>, so
/// a test can shrink the backoff of a real <c>tally</c> process and of its worker processes.
/// </remarks>
public sealed record HttpSourceOptions
{
    /// <summary>Bodies downloaded at once by one input kind (<c>--downloads</c>); at least 1.</summary>
    public int MaxDownloads { get; init; } = 4;

    /// <summary>Retries of a request answered 429 or 5xx, or failing to connect, before the source fails.</summary>
    public int Retries { get; init; } = 6;

    /// <summary>Reconnections in a row that bring no new byte of a body before the source fails.</summary>
    /// <remarks>A reconnection that does bring bytes starts the count again: a body cut ten times, each time further on, still arrives whole.</remarks>
    public int Resumes { get; init; } = 8;

    /// <summary>The first backoff delay; it doubles with each retry, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts, also for a server's <c>Retry-After</c>.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest wait for a response's headers, and for any read of its body, before the attempt counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Redirects followed per request; one more is an error naming the URL.</summary>
    public int MaxRedirects { get; init; } = 10;

    /// <summary>Told about each retry and resumption (<c>URL: 503; retry 1 in 1.0 s</c>), for <c>--verbose</c>; may be null.</summary>
    public Action<string>? Note { get; init; }

    /// <summary>The defaults, with <c>TALLY_HTTP_RETRY_DELAY_MS</c> applied when it is set.</summary>
    public static HttpSourceOptions FromEnvironment()
    {
        var options = new HttpSourceOptions();
        if (Environment.GetEnvironmentVariable("TALLY_HTTP_RETRY_DELAY_MS") is { } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int ms))
        {
            var delay = TimeSpan.FromMilliseconds(ms);
            options = options with { RetryDelay = delay, MaxRetryDelay = delay * 4 };
        }

        return options;
    }

    internal void Validate()
    {
        if (MaxDownloads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDownloads), MaxDownloads, "must be at least 1");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Retries);
        ArgumentOutOfRangeException.ThrowIfNegative(Resumes);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRedirects);
    }
}
