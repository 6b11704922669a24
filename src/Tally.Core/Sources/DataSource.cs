namespace Tally.Sources;

/// <summary>A named stream of bytes to count: a file, standard input, or any stream the caller supplies.</summary>
/// <remarks>Compression is detected from the first bytes, never from the name.</remarks>
public abstract class DataSource
{
    /// <summary>The name used in progress, summaries and error messages (a path, or <c>&lt;stdin&gt;</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Bytes the source holds as stored (compressed size for gzip), or null when unknown.</summary>
    public abstract long? Length { get; }

    /// <summary>Opens the source for one sequential read from its start.</summary>
    public abstract Stream Open();

    /// <summary>Which inflater this process uses for gzip sources, and why: ISA-L when installed, else the runtime's zlib-ng.</summary>
    /// <remarks>The environment variable <c>TALLY_INFLATE</c> (<c>zlib</c> or <c>isal</c>) pins one.</remarks>
    public static string GzipInflater => GzipDecoder.EngineDescription;

    /// <summary>A source reading a file.</summary>
    public static DataSource FromFile(string path) => new FileSource(path);

    /// <summary>A source reading a stream once; the caller keeps ownership of it.</summary>
    public static DataSource FromStream(string name, Stream stream, long? length = null) => new StreamSource(name, stream, length);
}

/// <summary>A file on disk.</summary>
public sealed class FileSource : DataSource
{
    private readonly long _length;

    /// <summary>Creates a source for <paramref name="path"/>, reading its size now.</summary>
    /// <exception cref="TallyInputException">The file does not exist or cannot be examined.</exception>
    public FileSource(string path)
    {
        Path = path;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new TallyInputException($"{path}: no such file");
            }

            _length = info.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TallyInputException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override string Name => Path;

    /// <inheritdoc/>
    public override long? Length => _length;

    /// <inheritdoc/>
    public override Stream Open() => OpenRead(Path, Path);

    /// <summary>Opens <paramref name="path"/> the way every reader reads a file; failures name it as <paramref name="name"/>.</summary>
    internal static Stream OpenRead(string path, string name)
    {
        try
        {
            // Asynchronous so reads of many files overlap without blocking pool threads; the
            // small buffer serves the gzip decoder's small reads, and is bypassed by the plain
            // path's block-sized reads.
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, TallyDefaults.CompressedReadBuffer,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{name}: {e.Message}", e);
        }
    }
}

/// <summary>A stream supplied by the caller, such as standard input; it can be read once.</summary>
public sealed class StreamSource : DataSource
{
    private Stream? _stream;

    /// <summary>Wraps <paramref name="stream"/>; it is not disposed by the job.</summary>
    public StreamSource(string name, Stream stream, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Name = name;
        Length = length;
        _stream = stream;
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override long? Length { get; }

    /// <inheritdoc/>
    public override Stream Open()
    {
        var stream = Interlocked.Exchange(ref _stream, null)
            ?? throw new InvalidOperationException($"{Name} can be read only once.");
        return new CancellableReadStream(stream);
    }
}
