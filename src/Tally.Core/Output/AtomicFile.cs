using System.Diagnostics;
using System.Text.RegularExpressions;
using Tally.Platform;

namespace Tally.Output;

/// <summary>Writes an output whole or not at all, and never destroys what is at its path.</summary>
/// <remarks>
/// <para>
/// A regular file (or a missing path) is written into a temporary file beside it, then renamed into
/// place: the rename stays on one file system and is atomic, and on failure or cancellation the
/// temporary file is deleted and an existing file is left untouched. Replacing a file keeps its
/// permission bits. A symbolic link is followed: the file it points to is replaced, and the link stays.
/// </para>
/// <para>
/// Anything else (a character device such as <c>/dev/null</c>, a FIFO, <c>/dev/stdout</c>, a process
/// substitution) is written directly, streaming, in place: renaming over it would replace a device
/// node with a regular file. Such a write cannot be taken back.
/// </para>
/// <para>
/// Temporary files are named <c>.NAME.PID.GUID.tmp</c>. Every exit a process can see deletes its
/// own; one left by a process that was killed (SIGKILL) is deleted by the next write to the same
/// path, once its process is gone.
/// </para>
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temporary file, then moves it to <paramref name="path"/>; or, when the path is a device or a FIFO, on the path itself.</summary>
    /// <exception cref="IOException">The path is a folder, or the output cannot be written.</exception>
    public static Task WriteAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken = default)
        => WriteAsync(path, write, removeStale: true, cancellationToken);

    /// <summary>As <see cref="WriteAsync(string, Func{Stream, Task}, CancellationToken)"/>; <paramref name="removeStale"/> false when the caller cleans the folder once for many writes (checkpoints).</summary>
    internal static async Task WriteAsync(string path, Func<Stream, Task> write, bool removeStale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = ResolveTarget(Path.GetFullPath(path));
        var status = UnixFile.Stat(full);
        if (status.Kind == UnixFileKind.Directory)
        {
            throw new IOException($"{path}: is a folder");
        }

        if (status.IsSpecial)
        {
            await WriteInPlaceAsync(full, write, cancellationToken).ConfigureAwait(false);
            return;
        }

        await ReplaceAsync(full, status, removeStale, async temporary =>
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="write"/> with the path of a new temporary file beside <paramref name="path"/> for it to create, then moves that file to <paramref name="path"/>: for a library that writes a file by name (a database).</summary>
    /// <remarks>
    /// The rules of <see cref="WriteAsync(string, Func{Stream, Task}, CancellationToken)"/> hold, but
    /// for devices and FIFOs, which such a file cannot be written to. After <paramref name="write"/>
    /// the file is flushed to disk; on failure or cancellation it is deleted, with a
    /// <c>-journal</c> or <c>-wal</c> file the library may have left beside it.
    /// </remarks>
    /// <exception cref="IOException">The path is a folder, a device or a FIFO, or the output cannot be written.</exception>
    public static async Task WriteFileAsync(string path, Func<string, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = ResolveTarget(Path.GetFullPath(path));
        var status = UnixFile.Stat(full);
        if (status.Kind == UnixFileKind.Directory)
        {
            throw new IOException($"{path}: is a folder");
        }

        if (status.IsSpecial)
        {
            throw new IOException($"{path}: is not a regular file, and this output can only be written to a file");
        }

        await ReplaceAsync(full, status, removeStale: true, async temporary =>
        {
            try
            {
                await write(temporary).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                using var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                written.Flush(flushToDisk: true);
            }
            catch
            {
                TryDelete(temporary + "-journal");
                TryDelete(temporary + "-wal");
                TryDelete(temporary + "-shm");
                throw;
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Has <paramref name="writeTemporary"/> write a temporary file beside <paramref name="full"/> (a regular file or a missing path), then renames it into place, keeping the replaced file's permissions; deletes it on failure.</summary>
    private static async Task ReplaceAsync(string full, UnixFileStatus status, bool removeStale, Func<string, Task> writeTemporary)
    {
        string folder = Path.GetDirectoryName(full) ?? ".";
        string name = Path.GetFileName(full);
        if (removeStale)
        {
            RemoveStaleTemporaries(folder, candidate => candidate == name);
        }

        string temporary = Path.Combine(folder, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            await writeTemporary(temporary).ConfigureAwait(false);
            if (status.Kind == UnixFileKind.Regular && status.Mode != 0 && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, status.Mode);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>The path a write to <paramref name="full"/> lands on: the final target of a symbolic link, else the path itself.</summary>
    internal static string ResolveTarget(string full)
    {
        if (UnixFile.Lstat(full).Kind != UnixFileKind.SymbolicLink)
        {
            return full;
        }

        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            // A loop of links: writing to it fails with the system's own message.
            return full;
        }
    }

    /// <summary>Deletes temporary files that writers killed before they could (<c>.NAME.PID.GUID.tmp</c> whose process is gone), for names <paramref name="names"/> accepts.</summary>
    /// <remarks>Best effort: a leftover temporary file is untidy, never wrong.</remarks>
    internal static void RemoveStaleTemporaries(string folder, Func<string, bool> names)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, ".*.tmp");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string path in candidates)
        {
            var match = TemporaryName().Match(Path.GetFileName(path));
            if (match.Success && names(match.Groups[1].Value) && int.TryParse(match.Groups[2].ValueSpan, out int pid) && !IsRunning(pid))
            {
                TryDelete(path);
            }
        }
    }

    private static async Task WriteInPlaceAsync(string full, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        // Opening a FIFO for writing waits for a reader, so the open may block: it runs on the pool
        // and is abandoned on cancellation (the process is about to exit then).
        var stream = await Task.Run(() => new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16), cancellationToken)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await write(stream).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
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

    /// <summary><c>.NAME.PID.GUID.tmp</c>.</summary>
    [GeneratedRegex(@"^\.(.+)\.(\d+)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporaryName();
}
