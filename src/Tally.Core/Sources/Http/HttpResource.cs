using System.Net.Http.Headers;

namespace Tally.Sources.Http;

/// <summary>What a server says about a resource: its length, and what tells one version of it from another.</summary>
/// <param name="Length">The whole body's bytes (Content-Length of a 200, the total of a 206's Content-Range), or null when not given.</param>
/// <param name="ETag">The entity tag as sent (with its quotes, and <c>W/</c> when weak), or null.</param>
/// <param name="LastModified">The Last-Modified date, or null.</param>
/// <param name="Md5">The body's MD5 in base64 when the server sends one (Google Cloud Storage's <c>x-goog-hash: md5=...</c>), or null.</param>
internal sealed record HttpResource(long? Length, string? ETag, DateTimeOffset? LastModified, string? Md5)
{
    /// <summary>Whether a cut body can be resumed safely: the server gives something If-Range can check.</summary>
    public bool CanResume => IfRange is not null;

    /// <summary>The If-Range condition that makes a ranged request return the rest of this version or nothing of another: a strong ETag, else the Last-Modified date.</summary>
    public RangeConditionHeaderValue? IfRange
        => ETag is { } tag && !tag.StartsWith("W/", StringComparison.Ordinal) ? new RangeConditionHeaderValue(EntityTagHeaderValue.Parse(tag))
            : LastModified is { } date ? new RangeConditionHeaderValue(date)
            : null;

    /// <summary>What identifies this version in a checkpoint or a <c>.part</c> file.</summary>
    public string Version => ETag is not null
        ? $"etag={ETag};length={Length}"
        : $"last-modified={LastModified?.ToUnixTimeSeconds()};length={Length}";

    /// <summary>Whether <paramref name="other"/> may be the same version: equal validators where both have one.</summary>
    public bool SameVersionAs(HttpResource other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ETag is not null && other.ETag is not null)
        {
            return ETag == other.ETag;
        }

        if (LastModified is not null && other.LastModified is not null && LastModified != other.LastModified)
        {
            return false;
        }

        return Length is null || other.Length is null || Length == other.Length;
    }

    /// <summary>Describes the version for a message: its ETag, else its date.</summary>
    public string Describe() => ETag ?? (LastModified is { } date ? $"Last-Modified {date:R}" : "no validator");

    /// <summary>Reads what <paramref name="response"/> says about the resource.</summary>
    public static HttpResource From(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var content = response.Content.Headers;
        long? length = response.StatusCode == System.Net.HttpStatusCode.PartialContent
            ? content.ContentRange?.Length
            : content.ContentLength;
        string? md5 = null;
        if (response.Headers.TryGetValues("x-goog-hash", out var hashes))
        {
            foreach (string part in hashes.SelectMany(h => h.Split(',')))
            {
                string trimmed = part.Trim();
                if (trimmed.StartsWith("md5=", StringComparison.OrdinalIgnoreCase))
                {
                    md5 = trimmed[4..];
                }
            }
        }

        return new HttpResource(length, response.Headers.ETag?.ToString(), content.LastModified, md5);
    }
}
