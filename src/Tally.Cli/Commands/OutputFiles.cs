using Tally.Output;
using Tally.Sources;

namespace Tally.Cli.Commands;

/// <summary>What can be checked about an output before counting: where a write lands, whether its folder takes files, and that it is no input.</summary>
internal static class OutputFiles
{
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
