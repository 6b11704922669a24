using System.Text;
using System.Text.RegularExpressions;

namespace Tally.Sources;

/// <summary>
/// Expands a shell-style pattern over the file system: <c>*</c> and <c>?</c> within a path segment,
/// <c>[abc]</c> and <c>[a-z]</c> sets, and <c>**</c> for any depth of folders.
/// </summary>
/// <remarks>For shells that do not expand patterns themselves, and for patterns quoted to keep many paths off the command line.</remarks>
public static class Glob
{
    /// <summary>Whether <paramref name="path"/> holds pattern characters.</summary>
    public static bool IsPattern(string path) => path.AsSpan().IndexOfAny("*?[") >= 0;

    /// <summary>Files that match <paramref name="pattern"/>, in ordinal order of their paths.</summary>
    public static IReadOnlyList<string> Expand(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        string normalized = pattern.Replace('\\', '/');
        bool rooted = normalized.StartsWith('/');
        string[] segments = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);

        var current = new List<string> { rooted ? "/" : "" };
        for (int i = 0; i < segments.Length; i++)
        {
            bool last = i == segments.Length - 1;
            string segment = segments[i];
            var next = new List<string>();
            foreach (string folder in current)
            {
                next.AddRange(Step(folder, segment, last));
            }

            current = next;
        }

        return [.. current.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> Step(string folder, string segment, bool last)
    {
        string directory = folder.Length == 0 ? "." : folder;
        if (!Directory.Exists(directory))
        {
            return [];
        }

        if (segment == "**")
        {
            // Zero or more folders; as the last segment it means every file below.
            var folders = new List<string> { folder };
            folders.AddRange(SafeEnumerate(() => Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories))
                .Select(d => Join(folder, Path.GetRelativePath(directory, d).Replace('\\', '/'))));
            return last
                ? folders.SelectMany(f => SafeEnumerate(() => Directory.EnumerateFiles(f.Length == 0 ? "." : f)).Select(p => Join(f, Path.GetFileName(p))))
                : folders;
        }

        if (!IsPattern(segment))
        {
            string path = Join(folder, segment);
            return (last ? File.Exists(path) : Directory.Exists(path)) ? [path] : [];
        }

        var regex = ToRegex(segment);
        var entries = last
            ? SafeEnumerate(() => Directory.EnumerateFiles(directory))
            : SafeEnumerate(() => Directory.EnumerateDirectories(directory));
        return entries.Select(Path.GetFileName).Where(n => n is not null && regex.IsMatch(n)).Select(n => Join(folder, n!));
    }

    private static string Join(string folder, string name) => folder.Length == 0 ? name : folder.EndsWith('/') ? folder + name : folder + "/" + name;

    private static IEnumerable<string> SafeEnumerate(Func<IEnumerable<string>> enumerate)
    {
        try
        {
            return [.. enumerate()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static Regex ToRegex(string segment)
    {
        var pattern = new StringBuilder("^");
        for (int i = 0; i < segment.Length; i++)
        {
            char c = segment[i];
            switch (c)
            {
                case '*':
                    pattern.Append("[^/]*");
                    break;
                case '?':
                    pattern.Append("[^/]");
                    break;
                case '[':
                    int close = segment.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        pattern.Append(@"\[");
                        break;
                    }

                    string set = segment[(i + 1)..close];
                    pattern.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]).Replace(@"\-", "-") : Regex.Escape(set).Replace(@"\-", "-")).Append(']');
                    i = close;
                    break;
                default:
                    pattern.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
