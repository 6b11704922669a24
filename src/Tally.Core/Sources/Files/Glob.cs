using System.Text;
using System.Text.RegularExpressions;
using Tally.Platform;

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
        // Names are bytes: folders are listed and paths examined through UnixFile, so a name that
        // is not valid UTF-8 matches and stays as it is (see UnixName).
        string directory = folder.Length == 0 ? "." : folder;
        if (UnixFile.Stat(directory).Kind != UnixFileKind.Directory)
        {
            return [];
        }

        if (segment == "**")
        {
            // Zero or more folders; as the last segment it means every file below.
            var folders = new List<string> { folder };
            AddFoldersBelow(folder, folders);
            return last
                ? folders.SelectMany(f => Entries(f, directories: false).Select(n => Join(f, n)))
                : folders;
        }

        if (!IsPattern(segment))
        {
            string path = Join(folder, segment);
            var kind = UnixFile.Stat(path).Kind;
            return (last ? kind is not (UnixFileKind.Missing or UnixFileKind.Directory) : kind == UnixFileKind.Directory) ? [path] : [];
        }

        var regex = ToRegex(segment);
        return Entries(folder, directories: !last).Where(n => regex.IsMatch(n)).Select(n => Join(folder, n));
    }

    /// <summary>Every folder below <paramref name="folder"/>, depth first; a link to a folder is listed but not entered, so a loop of links cannot recurse forever.</summary>
    private static void AddFoldersBelow(string folder, List<string> folders)
    {
        foreach (string name in Entries(folder, directories: true))
        {
            string path = Join(folder, name);
            folders.Add(path);
            if (UnixFile.Lstat(path).Kind == UnixFileKind.Directory)
            {
                AddFoldersBelow(path, folders);
            }
        }
    }

    /// <summary>The names of the folders (or of everything else) in <paramref name="folder"/>, following links; none when it cannot be listed.</summary>
    private static IEnumerable<string> Entries(string folder, bool directories)
    {
        string directory = folder.Length == 0 ? "." : folder;
        try
        {
            return [.. UnixFile.ListFolder(directory)
                .Where(n => (UnixFile.Stat(Join(directory, n)).Kind == UnixFileKind.Directory) == directories)
                .Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string Join(string folder, string name) => folder.Length == 0 ? name : folder.EndsWith('/') ? folder + name : folder + "/" + name;

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
