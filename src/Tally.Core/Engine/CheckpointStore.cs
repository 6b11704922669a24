using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Tally.Aggregation;
using Tally.Output;
using Tally.Serialization;

namespace Tally.Engine;

/// <summary>
/// The checkpoint folder of a job: one file per finished source, named after the source's full
/// path, saved atomically by the merger and checked in full before it is trusted.
/// </summary>
/// <remarks>
/// A checkpoint is used only when its checksums hold, it was made by the same map step for the
/// same full path, and the file's size and modification time are unchanged. A checkpoint made
/// while skipping malformed rows (one with skipped rows) is used only by a run that skips them too
/// and writes no rejects file, since the rows themselves are not stored. Anything else is counted
/// again and its checkpoint replaced.
/// </remarks>
internal sealed partial class CheckpointStore
{
    /// <summary>The map step whose tables this store holds.</summary>
    public const string Format = "ngram-v2";

    private const string Extension = ".tlyc";

    private readonly string _directory;

    /// <summary>Opens (creating it when needed) the folder, and deletes the temporary files of checkpoints whose writer died.</summary>
    /// <exception cref="TallyInputException">The folder cannot be created.</exception>
    public CheckpointStore(string directory)
    {
        _directory = Path.GetFullPath(directory);
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"checkpoint folder {directory}: {e.Message}", e);
        }

        RemoveOrphans();
    }

    /// <summary>Where the checkpoint of the file with this full path lives.</summary>
    public string PathFor(string fullPath)
    {
        // The hash tells apart files of one name in different folders; the name keeps the folder readable.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(fullPath));
        string name = UnsafeNameCharacters().Replace(Path.GetFileName(fullPath), "_");
        if (name.Length > 80)
        {
            name = name[..80];
        }

        return Path.Combine(_directory, $"{name}.{Convert.ToHexStringLower(hash.AsSpan(0, 8))}{Extension}");
    }

    /// <summary>Loads the checkpoint of <paramref name="source"/> when it can be trusted.</summary>
    /// <param name="source">A file source with its <see cref="SourceState.Stamp"/>.</param>
    /// <param name="skipsRows">Whether this run skips malformed rows.</param>
    /// <param name="writesRejects">Whether this run writes a rejects file.</param>
    /// <param name="problem">Why an existing checkpoint was not used; null when there was none.</param>
    public (CheckpointInfo Info, CountTable Table)? TryLoad(SourceState source, bool skipsRows, bool writesRejects, out string? problem)
    {
        Debug.Assert(source.Stamp is not null);
        var stamp = source.Stamp.Value;
        problem = null;
        string path = PathFor(stamp.FullPath);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var info = CheckpointFormat.ReadHeader(stream);
            problem = Mismatch(info, stamp, skipsRows, writesRejects);
            if (problem is not null)
            {
                return null;
            }

            return (info, CountTableFormat.Read(stream));
        }
        catch (InvalidDataException e)
        {
            problem = $"is damaged ({e.Message})";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot be read ({e.Message})";
            return null;
        }
    }

    /// <summary>Saves a finished source's table: whole or not at all.</summary>
    /// <remarks>
    /// The table is written synchronously (a few hundred MB/s); the token is checked at every
    /// 64 KiB the format flushes, so Ctrl+C during the save of a large table still stops at once,
    /// and AtomicFile deletes the partial file.
    /// </remarks>
    public Task SaveAsync(CheckpointInfo info, CountTable table, CancellationToken cancellationToken)
        => AtomicFile.WriteAsync(PathFor(info.Stamp.FullPath), stream =>
        {
            CheckpointFormat.Write(new CancellableWriteStream(stream, cancellationToken), info, table);
            return Task.CompletedTask;
        }, cancellationToken);

    private static string? Mismatch(CheckpointInfo info, Sources.FileStamp stamp, bool skipsRows, bool writesRejects)
    {
        if (info.Format != Format || info.Stamp.FullPath != stamp.FullPath)
        {
            return $"belongs to another input or format ({info.Format}, {info.Stamp.FullPath})";
        }

        if (info.Stamp.Length != stamp.Length || info.Stamp.LastWriteUtcTicks != stamp.LastWriteUtcTicks)
        {
            return "is stale: the input's size or modification time changed";
        }

        if (info.SkippedRows > 0 && !skipsRows)
        {
            return "was made skipping malformed rows, and this run does not skip them";
        }

        if (info.SkippedRows > 0 && writesRejects)
        {
            return "does not hold the skipped rows a rejects file needs";
        }

        return null;
    }

    /// <summary>Deletes temporary checkpoint files left by a process that no longer runs (killed while saving).</summary>
    private void RemoveOrphans()
    {
        foreach (string path in Directory.EnumerateFiles(_directory, $".*{Extension}.*.tmp"))
        {
            var match = TemporaryName().Match(Path.GetFileName(path));
            if (match.Success && int.TryParse(match.Groups[1].ValueSpan, out int pid) && !IsRunning(pid))
            {
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Best effort: a leftover temporary file is untidy, never wrong.
                }
            }
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

    /// <summary>Forwards writes, throwing once <paramref name="token"/> is cancelled.</summary>
    private sealed class CancellableWriteStream(Stream inner, CancellationToken token) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            token.ThrowIfCancellationRequested();
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeNameCharacters();

    /// <summary>AtomicFile's temporary name: <c>.NAME.PID.GUID.tmp</c>.</summary>
    [GeneratedRegex(@"^\..+\.tlyc\.(\d+)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporaryName();
}
