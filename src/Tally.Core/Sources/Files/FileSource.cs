using System.Globalization;

namespace Tally.Sources;

/// <summary>A file on disk.</summary>
public sealed class FileSource : DataSource
{
    private readonly long _length;

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
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new TallyInputException($"{name}: no such file");
            }

            _length = info.Length;
            FullPath = info.FullName;
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

    /// <inheritdoc/>
    public override long? Length => _length;

    /// <inheritdoc/>
    /// <remarks>The full path: a worker process may run in another folder.</remarks>
    public override string? Address => FullPath;

    /// <inheritdoc/>
    public override ValueTask<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Asynchronous so reads of many files overlap without blocking pool threads; the
            // small buffer serves the gzip decoder's small reads, and is bypassed by the plain
            // path's block-sized reads.
            return ValueTask.FromResult<Stream>(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, TallyDefaults.CompressedReadBuffer,
                FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{Name}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The full path, then the size and last write time: the rule of make and rsync's quick check,
    /// so a rewrite that keeps both is not noticed.
    /// </remarks>
    public override ValueTask<SourceIdentity?> IdentifyAsync(CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(Path);
            if (!info.Exists)
            {
                throw new TallyInputException($"{Name}: no such file");
            }

            string version = string.Create(CultureInfo.InvariantCulture, $"size={info.Length};mtime={info.LastWriteTimeUtc.Ticks}");
            return ValueTask.FromResult<SourceIdentity?>(new SourceIdentity($"file:{info.FullName}", version));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{Name}: {e.Message}", e);
        }
    }
}
