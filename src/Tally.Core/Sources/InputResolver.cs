namespace Tally.Sources;

/// <summary>Turns command-line inputs (files, folders, patterns, <c>-</c>) into sources, checking every one before work starts.</summary>
public static class InputResolver
{
    /// <summary>The name standard input goes by in messages.</summary>
    public const string StandardInputName = "<stdin>";

    /// <summary>Resolves <paramref name="inputs"/> in order; a file named twice is counted once.</summary>
    /// <param name="inputs">Paths of files, folders (every file directly in them but hidden ones, in name order), patterns, or <c>-</c>.</param>
    /// <param name="standardInput">Opens standard input for <c>-</c>.</param>
    /// <exception cref="TallyInputException">An input is missing, unreadable, or matches no file; the message names it.</exception>
    public static IReadOnlyList<DataSource> Resolve(IEnumerable<string> inputs, Func<Stream>? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var sources = new List<DataSource>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool stdinUsed = false;
        foreach (string input in inputs)
        {
            if (input == "-")
            {
                if (stdinUsed)
                {
                    throw new TallyInputException("standard input (-) can be given only once");
                }

                stdinUsed = true;
                var stream = standardInput?.Invoke() ?? throw new TallyInputException("standard input is not available");
                sources.Add(new StreamSource(StandardInputName, stream));
                continue;
            }

            foreach (string path in Expand(input))
            {
                if (seen.Add(Path.GetFullPath(path)))
                {
                    var source = new FileSource(path);
                    CheckReadable(path);
                    sources.Add(source);
                }
            }
        }

        if (sources.Count == 0)
        {
            throw new TallyInputException("no inputs given");
        }

        return sources;
    }

    private static IEnumerable<string> Expand(string input)
    {
        if (Directory.Exists(input))
        {
            string[] files;
            try
            {
                // Hidden files (.DS_Store, editor swap files, tool state) are never data.
                files = [.. Directory.GetFiles(input).Where(f => !Path.GetFileName(f).StartsWith('.'))];
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

        if (!File.Exists(input) && Glob.IsPattern(input))
        {
            var matches = Glob.Expand(input);
            return matches.Count > 0 ? matches : throw new TallyInputException($"{input}: no files match");
        }

        return [input];
    }

    private static void CheckReadable(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{path}: cannot be read: {e.Message}", e);
        }
    }
}
