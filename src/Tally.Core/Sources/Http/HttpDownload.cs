using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Tally.Sources.Http;

/// <summary>What one download did.</summary>
/// <param name="Path">The file written (or found).</param>
/// <param name="Bytes">Its length.</param>
/// <param name="Skipped">It was complete already, so nothing was downloaded.</param>
/// <param name="ResumedFrom">The byte a <c>.part</c> file let the download resume at; 0 when it started from the beginning.</param>
/// <param name="Md5Checked">The server sent an MD5 and the file matches it.</param>
public sealed record DownloadResult(string Path, long Bytes, bool Skipped, long ResumedFrom, bool Md5Checked);

/// <summary>
/// Downloads a resource to a file that appears only when complete and verified: the bytes go to
/// <c>NAME.part</c>, the version they belong to to <c>NAME.part.version</c>, and the file is
/// renamed into place once its length (and its MD5, when the server sends one) are right.
/// </summary>
/// <remarks>
/// A download cut short by anything (Ctrl+C, kill -9, a network failure past the retries) leaves
/// the <c>.part</c> file; the next run asks for the rest with <c>If-Range</c>, so it continues only
/// if the resource is still the version recorded, and starts over otherwise. The version is written
/// before the first byte, so a <c>.part</c> file always has one.
/// </remarks>
internal static class HttpDownload
{
    public const string PartSuffix = ".part";
    public const string VersionSuffix = ".part.version";

    public static async Task<DownloadResult> RunAsync(HttpFetcher fetcher, HttpSource source, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            long existing = new FileInfo(path).Length;
            progress?.Report(existing);
            return new DownloadResult(path, existing, Skipped: true, ResumedFrom: 0, Md5Checked: false);
        }

        string part = path + PartSuffix;
        string versionFile = path + VersionSuffix;
        long from = 0;
        HttpResource? recorded = null;
        if (File.Exists(part) && ReadVersion(versionFile) is { } saved)
        {
            from = new FileInfo(part).Length;
            recorded = saved;
        }

        var slot = await fetcher.AcquireDownloadAsync(cancellationToken).ConfigureAwait(false);
        ResumingHttpStream body;
        try
        {
            body = await ResumingHttpStream.OpenAsync(fetcher, source.Url, source.Name, from, recorded, restartIfChanged: true, slot, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            slot.Dispose();
            throw;
        }

        await using (body.ConfigureAwait(false))
        {
            var resource = body.Resource;
            long start = body.Position64;
            if (start == 0)
            {
                WriteVersion(versionFile, resource);
            }
            else if (recorded is not null)
            {
                resource = resource with { Md5 = resource.Md5 ?? recorded.Md5 };
            }

            long written = start;
            progress?.Report(written);
            var file = new FileStream(part, start == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                if (file.Length != start)
                {
                    throw new TallyInputException($"{path}{PartSuffix}: changed while it was resumed");
                }

                byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
                try
                {
                    int n;
                    while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        written += n;
                        progress?.Report(written);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                file.Flush(flushToDisk: true);
            }

            if (resource.Length is { } length && written != length)
            {
                throw new TallyInputException($"{source.Name}: downloaded {written} bytes, the server announced {length}");
            }

            bool md5Checked = false;
            if (resource.Md5 is { } expected)
            {
                string actual = await Md5Async(part, cancellationToken).ConfigureAwait(false);
                if (actual != expected)
                {
                    File.Delete(part);
                    File.Delete(versionFile);
                    throw new TallyInputException($"{source.Name}: the MD5 of the download ({actual}) is not the server's ({expected}); the partial file was deleted");
                }

                md5Checked = true;
            }

            File.Move(part, path, overwrite: false);
            File.Delete(versionFile);
            return new DownloadResult(path, written, Skipped: false, ResumedFrom: start, md5Checked);
        }
    }

    private static async Task<string> Md5Async(string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            // MD5 checks the transfer against the server's own hash (x-goog-hash), not for security.
#pragma warning disable CA5351
            return Convert.ToBase64String(await MD5.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
#pragma warning restore CA5351
        }
    }

    private static void WriteVersion(string path, HttpResource resource)
    {
        string text = string.Join('\n',
            $"etag={resource.ETag}",
            $"last-modified={resource.LastModified?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}",
            $"length={resource.Length?.ToString(CultureInfo.InvariantCulture)}",
            $"md5={resource.Md5}") + "\n";
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private static HttpResource? ReadVersion(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var fields = File.ReadAllLines(path)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[1].Length > 0)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        DateTimeOffset? modified = fields.TryGetValue("last-modified", out string? seconds) && long.TryParse(seconds, CultureInfo.InvariantCulture, out long s)
            ? DateTimeOffset.FromUnixTimeSeconds(s)
            : null;
        long? length = fields.TryGetValue("length", out string? l) && long.TryParse(l, CultureInfo.InvariantCulture, out long n) ? n : null;
        var resource = new HttpResource(length, fields.GetValueOrDefault("etag"), modified, fields.GetValueOrDefault("md5"));
        return resource.CanResume ? resource : null;
    }
}
