using System.Globalization;
using Tally.Platform;

namespace Tally.Sources;

/// <summary>A file on disk: a regular file, or a FIFO or a device named by its path.</summary>
/// <remarks>
/// Only a regular file can be read again: it alone has an <see cref="Address"/> (so it alone is
/// handed to worker processes and retried), a length and an identity for checkpoints. A FIFO or a
/// character device (<c>/dev/stdin</c>, a process substitution) is read once, in this process, and
/// opening it (which waits for a writer) can be cancelled.
/// </remarks>
public sealed class FileSource : DataSource
{
    private readonly long _length;
    private readonly UnixFileStatus _status;

    /// <summary>Creates a source for <paramref name="path"/>, reading its size now.</summary>
    /// <exception cref="TallyInputException">The file does not exist or cannot be examined.</exception>
    public FileSource(string path)
        : this(path, path)
    {
    }

    /// <summary>Creates a source for <paramref name="path"/> that messages call <paramref name="name"/>.</summary>
    /// <remarks>A worker process opens a file by its full path but names it as its parent does, so messages match.</remarks>
    /// <exception cref="TallyInputException">The file does not exist or cannot be examined.</exception>
    public FileSource(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        Path = path;
        Name = name;
        try
        {
            // Through UnixFile, never FileInfo: a name need not be valid UTF-8 (see UnixName).
            _status = UnixFile.Stat(path);
            if (_status.Kind is UnixFileKind.Missing or UnixFileKind.Directory)
            {
                throw new TallyInputException($"{name}: no such file");
            }

            _length = _status.Size;
            FullPath = System.IO.Path.GetFullPath(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TallyInputException($"{name}: {e.Message}", e);
        }
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <summary>The file's full path.</summary>
    public string FullPath { get; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <summary>Whether this is a regular file, which can be read again; false for a FIFO or a device.</summary>
    public bool IsRegular => !_status.IsSpecial;

    /// <inheritdoc/>
    public override long? Length => IsRegular ? _length : null;

    /// <inheritdoc/>
    /// <remarks>The full path of a regular file (a worker process may run in another folder); none for a FIFO or a device.</remarks>
    public override string? Address => IsRegular ? FullPath : null;

    /// <inheritdoc/>
    /// <remarks>Another name of the same file (a link, <c>./x</c> and <c>x</c>) has the same device and inode, so it is counted once.</remarks>
    public override string? DuplicateKey => _status.Inode != 0 ? $"inode:{_status.Device}:{_status.Inode}" : Address;

    /// <inheritdoc/>
    public override bool IsStoredAt(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.Length > 0 && Output.OutputPath.AreSameFile(path, FullPath);
    }

    /// <inheritdoc/>
    public override async ValueTask<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsRegular)
        {
            // Opening a FIFO waits in open(2) until a writer comes, beyond the reach of a token:
            // the open runs on the pool and is abandoned on cancellation, so Ctrl+C stops at once.
            // Reads are made abandonable the same way as standard input's.
            var special = await Task.Run(() => OpenRead(FileOptions.None), cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new CancellableReadStream(special, ownsInner: true);
        }

        return new ShrinkCheckingStream(OpenRead(FileOptions.Asynchronous | FileOptions.SequentialScan), Name);
    }

    private FileStream OpenRead(FileOptions options)
    {
        try
        {
            // Asynchronous so reads of many files overlap without blocking pool threads; the
            // small buffer serves the gzip decoder's small reads, and is bypassed by the plain
            // path's block-sized reads.
            return UnixFile.OpenRead(Path, TallyDefaults.CompressedReadBuffer, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{Name}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The full path, then the device, inode, size, modification time and status-change time (ctime).
    /// <c>cp -p</c>, <c>rsync -t</c> and <c>touch -r</c> can set a file's modification time back,
    /// but not its ctime, and a file replaced by another gets another inode: neither can make a
    /// changed file look unchanged. A FIFO or a device has no identity: it is never checkpointed.
    /// </remarks>
    public override ValueTask<SourceIdentity?> IdentifyAsync(CancellationToken cancellationToken)
    {
        if (!IsRegular)
        {
            return ValueTask.FromResult<SourceIdentity?>(null);
        }

        try
        {
            var status = UnixFile.Stat(Path);
            if (status.Kind is UnixFileKind.Missing or UnixFileKind.Directory)
            {
                throw new TallyInputException($"{Name}: no such file");
            }

            // Without stat (another platform) the fallback's times are .NET ticks times 100.
            string version = status.Inode != 0
                ? string.Create(CultureInfo.InvariantCulture, $"dev={status.Device};ino={status.Inode};size={status.Size};mtime={status.ModifiedNanoseconds};ctime={status.ChangedNanoseconds}")
                : string.Create(CultureInfo.InvariantCulture, $"size={status.Size};mtime={status.ModifiedNanoseconds / 100}");
            return ValueTask.FromResult<SourceIdentity?>(new SourceIdentity($"file:{FullPath}", version));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{Name}: {e.Message}", e);
        }
    }
}
