namespace Tally.Output;

/// <summary>Writes a file whole or not at all: into a temporary file beside it, then renamed into place.</summary>
/// <remarks>
/// The temporary file is in the same folder so the rename stays on one file system and is atomic;
/// on failure or cancellation it is deleted and an existing file at the path is left untouched.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temporary file, then moves it to <paramref name="path"/>.</summary>
    public static async Task WriteAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the failure that brought us here is the one to report.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
