using Tally.Exports;
using Tally.Output;
using Tally.Sources;

namespace Tally.Cli.Commands;

/// <summary>What can be checked about an output before counting: where a write lands, whether its folder takes files, and that it is no input.</summary>
internal static class OutputFiles
{
    /// <summary>The formats <c>-o</c> writes: the built-in text ones, Parquet and SQLite.</summary>
    public static OutputFormatRegistry Formats { get; } = OutputFormatRegistry.WithBuiltIns().AddExports();

    public const string OutputDescription =
        "Write every ngram and its total, sorted by bytes, to this file (- for standard output). "
        + "The extension chooses the format: .tsv (or any other) 'ngram TAB total'; .csv; .jsonl; .parquet; .sqlite or .db (table totals). "
        + "Examples: -o totals.csv, -o totals.parquet, -o - --output-format jsonl.";

    public static string FormatDescription =>
        $"The format of -o, whatever its extension: {string.Join(", ", Formats.Names)} (default: by extension, else tsv). "
        + "Keys that are not valid UTF-8 are written as \\xHH in all but tsv.";

    /// <summary>The format <c>-o</c> writes: <paramref name="name"/> when given, else the one <paramref name="path"/>'s extension names, else TSV; null without <c>-o</c>.</summary>
    /// <exception cref="UsageException">An unknown name; a name without <c>-o</c>, or against the extension; a format that needs a file, given standard output, a device or a FIFO.</exception>
    public static OutputFormat? Choose(string? path, string? name)
    {
        OutputFormat? named = null;
        if (name is not null && !Formats.TryGet(name, out named))
        {
            throw new UsageException($"--output-format {name}: not one of {string.Join(", ", Formats.Names)}");
        }

        if (path is null)
        {
            return named is null ? null : throw new UsageException($"--output-format {name}: needs -o FILE (or -o - for standard output)");
        }

        if (path == CountSettings.StandardStream)
        {
            var format = named ?? OutputFormatRegistry.Tsv;
            return format.CanWriteStream
                ? format
                : throw new UsageException($"--output-format {format.Name}: cannot be written to standard output; give -o FILE{format.Extensions[0]}");
        }

        var byExtension = Formats.TryGetByExtension(path, out var extension) ? extension : null;
        if (named is not null && byExtension is not null && byExtension != named)
        {
            throw new UsageException($"--output-format {named.Name}: -o {path} has the extension of {byExtension.Name}; give a matching extension or leave out --output-format");
        }

        var chosen = named ?? byExtension ?? OutputFormatRegistry.Tsv;
        if (!chosen.CanWriteStream && OutputPath.IsWrittenInPlace(path))
        {
            throw new UsageException($"-o {path}: a {chosen.Name} output must be a regular file, not a device or a FIFO");
        }

        return chosen;
    }

    /// <summary>Fails when a regular file's folder cannot take the temporary file the output is written to.</summary>
    /// <remarks>A device or a FIFO is written in place, so its folder (<c>/dev</c>) need not be writable.</remarks>
    public static void CheckFolderWritable(string option, string path, string folder)
    {
        if (OutputPath.IsWrittenInPlace(path))
        {
            return;
        }

        string probe = Path.Combine(folder, $".tally-probe.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {path}: cannot write in the folder {folder}: {e.Message}", e);
        }
    }

    /// <summary>Refuses an output that is one of the inputs: the same path, a link to it, or the same device and inode.</summary>
    /// <exception cref="UsageException">Naming both.</exception>
    public static void CheckNotAnInput(string option, string? path, IReadOnlyList<DataSource> sources)
    {
        if (path is null or CountSettings.StandardStream)
        {
            return;
        }

        if (sources.FirstOrDefault(s => s.IsStoredAt(path)) is { } input)
        {
            throw new UsageException($"{option} {path} is the input {input.Name}: writing it would destroy the input; give another file");
        }
    }
}
