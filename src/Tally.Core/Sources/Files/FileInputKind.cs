using Tally.Platform;

namespace Tally.Sources;

/// <summary>Files: a path, a folder (every file directly in it but hidden ones, in name order), or a glob pattern.</summary>
/// <remarks>Last in <see cref="InputResolver.Default"/>: it takes any input the kinds before it did not, as a path.</remarks>
internal sealed class FileInputKind : IInputKind
{
    public bool TryResolve(string input, InputContext context, ICollection<DataSource> sources)
    {
        foreach (string path in Expand(input, context))
        {
            var source = new FileSource(path);
            if (!source.IsRegular && UnixStandardInput.IsClosedAndSameAs(UnixFile.Stat(path)))
            {
                throw new TallyInputException($"{path}: is standard input, which is closed; give a file, or pipe data into tally");
            }

            // A FIFO is not probed: opening it would wait for a writer. It is opened when read.
            if (source.IsRegular)
            {
                CheckReadable(path);
            }

            sources.Add(source);
        }

        return true;
    }

    public DataSource? FromAddress(string address, string name) => Path.IsPathFullyQualified(address) ? new FileSource(address, name) : null;

    private static IEnumerable<string> Expand(string input, InputContext context)
    {
        // Names are bytes: the folder is listed and every path examined through UnixFile, which
        // keeps a name that is not valid UTF-8 as it is (File and Directory would make it U+FFFD).
        var kind = UnixFile.Stat(input).Kind;
        if (kind == UnixFileKind.Directory)
        {
            string[] files;
            try
            {
                // Hidden files (.DS_Store, editor swap files, tool state) are never data. Nor is
                // anything but a regular file: a FIFO in a folder would wait forever for a writer,
                // and a device or a socket holds no data set. A checkpoint folder inside is a folder.
                files = [.. UnixFile.ListFolder(input).Where(n => !n.StartsWith('.')).Select(n => Path.Combine(input, n)).Where(f => IsRegular(f, context))];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TallyInputException($"{input}: {e.Message}", e);
            }

            if (files.Length == 0)
            {
                throw new TallyInputException($"{input}: the folder holds no files");
            }

            Array.Sort(files, StringComparer.Ordinal);
            return files;
        }

        if (kind == UnixFileKind.Missing && Glob.IsPattern(input))
        {
            var matches = Glob.Expand(input);
            return matches.Count > 0 ? matches : throw new TallyInputException($"{input}: no files match");
        }

        return [input];
    }

    private static bool IsRegular(string path, InputContext context)
    {
        var kind = UnixFile.Stat(path).Kind;
        if (kind is UnixFileKind.Regular or UnixFileKind.Missing)
        {
            return true;
        }

        if (kind == UnixFileKind.Directory)
        {
            return false;
        }

        context.Note($"{path}: passed over: a {Describe(kind)}, not a regular file (name it directly to read it)");
        return false;
    }

    private static string Describe(UnixFileKind kind) => kind switch
    {
        UnixFileKind.Fifo => "FIFO",
        UnixFileKind.CharacterDevice => "character device",
        UnixFileKind.BlockDevice => "block device",
        UnixFileKind.Socket => "socket",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static void CheckReadable(string path)
    {
        try
        {
            using var probe = UnixFile.OpenRead(path, 1, FileOptions.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{path}: cannot be read: {e.Message}", e);
        }
    }
}
