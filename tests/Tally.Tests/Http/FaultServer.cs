using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tally.Tests.Http;

/// <summary>What a <see cref="FaultServer"/> does wrong when serving one file.</summary>
public sealed record Fault
{
    /// <summary>Absolute body offsets at which the connection is cut, each once, in order.</summary>
    public long[] DropAt { get; init; } = [];

    /// <summary>How many requests are answered <see cref="FailStatus"/> before the file is served.</summary>
    public int FailFirst { get; init; }

    /// <summary>The status of those failures: 503 or 429.</summary>
    public int FailStatus { get; init; } = 503;

    /// <summary>A Retry-After (seconds) sent with those failures, or null.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Every body is cut before its first byte.</summary>
    public bool AlwaysDrop { get; init; }

    /// <summary>When set, the body is sent in pieces of this many bytes with <see cref="TrickleDelay"/> between them.</summary>
    public int TrickleBytes { get; init; }

    public TimeSpan TrickleDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Bytes the announced Content-Length exceeds the body by (the body is sent short, then the connection closes).</summary>
    public int ShortBy { get; init; }

    /// <summary>The ETag (and the content's version) changes after the first request.</summary>
    public bool ChangeETag { get; init; }

    /// <summary>Range is ignored: every answer is the whole body.</summary>
    public bool IgnoreRange { get; init; }

    /// <summary>No ETag and no Last-Modified.</summary>
    public bool NoValidators { get; init; }

    /// <summary>An ETag but no Last-Modified.</summary>
    public bool ETagOnly { get; init; }

    /// <summary>Sends x-goog-hash with this MD5 (base64) instead of the real one, when set; null sends the real one.</summary>
    public string? Md5 { get; init; }

    /// <summary>Answered with this status and nothing else (404, 403).</summary>
    public int? Status { get; init; }

    /// <summary>Redirects to itself forever.</summary>
    public bool RedirectLoop { get; init; }

    /// <summary>Redirects once, to this path.</summary>
    public string? RedirectTo { get; init; }
}

/// <summary>
/// A real HTTP server (Kestrel) on 127.0.0.1 and a free port, serving byte arrays at paths with
/// faults injected on demand. It speaks Range and If-Range itself, so what it does wrong is
/// exactly what a <see cref="Fault"/> says.
/// </summary>
public sealed class FaultServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _files = new(StringComparer.Ordinal);
    private readonly WebApplication _app;

    private FaultServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<FaultServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);

            // A test client reading slowly is not an attack.
            k.Limits.MinResponseDataRate = null;
        });
        var app = builder.Build();
        var server = new FaultServer(app);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> (starting with /), with <paramref name="fault"/>.</summary>
    public string Add(string path, byte[] content, Fault? fault = null)
    {
        _files[path] = new Entry(content, fault ?? new Fault());
        return Url(path);
    }

    public string Url(string path) => BaseUrl + path;

    /// <summary>Requests made for <paramref name="path"/>, with the Range asked for (null: none).</summary>
    public IReadOnlyList<string?> Requests(string path) => _files.TryGetValue(path, out var e) ? [.. e.Log] : [];

    private async Task ServeAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "/";
        if (!_files.TryGetValue(path, out var entry))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var fault = entry.Fault;
        string? range = context.Request.Headers.Range.FirstOrDefault();
        int request;
        lock (entry)
        {
            entry.Log.Add($"{context.Request.Method} {range}");
            request = entry.Log.Count;
        }

        if (fault.Status is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        if (fault.RedirectLoop || fault.RedirectTo is not null)
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = fault.RedirectTo ?? path;
            return;
        }

        if (request <= fault.FailFirst)
        {
            context.Response.StatusCode = fault.FailStatus;
            if (fault.RetryAfterSeconds is { } after)
            {
                context.Response.Headers.RetryAfter = after.ToString(CultureInfo.InvariantCulture);
            }

            return;
        }

        byte[] content = entry.Content;
        string etag = fault.ChangeETag && request > 1 ? "\"v2\"" : "\"v1\"";
        var modified = new DateTimeOffset(2020, 2, 17, 0, 0, 0, TimeSpan.Zero).AddDays(fault.ChangeETag && request > 1 ? 1 : 0);
        if (!fault.NoValidators)
        {
            context.Response.Headers.ETag = etag;
            if (!fault.ETagOnly)
            {
                context.Response.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
            }
        }

#pragma warning disable CA5351 // the hash Google Cloud Storage sends
        context.Response.Headers["x-goog-hash"] = $"crc32c=AAAAAA==,md5={fault.Md5 ?? Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(content))}";
#pragma warning restore CA5351
        context.Response.Headers.AcceptRanges = "bytes";
        long announced = content.Length + fault.ShortBy;
        long from = 0;
        if (range is not null && !fault.IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            string? ifRange = context.Request.Headers.IfRange.FirstOrDefault();
            bool current = ifRange is null || ifRange == etag || ifRange == modified.ToString("R", CultureInfo.InvariantCulture);
            if (current)
            {
                from = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
                if (from >= content.Length)
                {
                    context.Response.StatusCode = 416;
                    context.Response.Headers.ContentRange = $"bytes */{announced}";
                    return;
                }

                context.Response.StatusCode = 206;
                context.Response.Headers.ContentRange = $"bytes {from}-{announced - 1}/{announced}";
            }
        }

        context.Response.ContentLength = announced - from;
        context.Response.ContentType = "application/octet-stream";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        long drop = fault.AlwaysDrop ? from : long.MaxValue;
        lock (entry)
        {
            while (!fault.AlwaysDrop && entry.NextDrop < fault.DropAt.Length && fault.DropAt[entry.NextDrop] <= from)
            {
                entry.NextDrop++;
            }

            if (!fault.AlwaysDrop && entry.NextDrop < fault.DropAt.Length)
            {
                drop = fault.DropAt[entry.NextDrop];
            }
        }

        long position = from;
        int piece = fault.TrickleBytes > 0 ? fault.TrickleBytes : 64 << 10;
        await context.Response.StartAsync();
        while (position < content.Length)
        {
            int n = (int)Math.Min(piece, Math.Min(content.Length, drop) - position);
            if (n <= 0)
            {
                lock (entry)
                {
                    entry.NextDrop++;
                }

                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }

            await context.Response.Body.WriteAsync(content.AsMemory((int)position, n));
            position += n;
            if (fault.TrickleBytes > 0)
            {
                await context.Response.Body.FlushAsync();
                await Task.Delay(fault.TrickleDelay);
            }
        }

        if (fault.ShortBy > 0)
        {
            await context.Response.Body.FlushAsync();
            context.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class Entry(byte[] content, Fault fault)
    {
        public byte[] Content { get; } = content;

        public Fault Fault { get; } = fault;

        public List<string?> Log { get; } = [];

        public int NextDrop { get; set; }
    }
}
