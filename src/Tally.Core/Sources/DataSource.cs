namespace Tally.Sources;

/// <summary>A named stream of bytes to count: a file, standard input, or any source kind of your own.</summary>
/// <remarks>
/// The engine asks a source for capabilities, never for its type: it opens it
/// (<see cref="OpenAsync"/>), asks what identifies its current content for checkpoints
/// (<see cref="IdentifyAsync"/>), and asks what address another process can open it by
/// (<see cref="Address"/>). Compression is detected from the first bytes, never from the name.
/// </remarks>
public abstract class DataSource
{
    /// <summary>The name used in progress, summaries and error messages (a path, or <c>&lt;stdin&gt;</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Bytes the source holds as stored (compressed size for gzip), or null when unknown.</summary>
    public abstract long? Length { get; }

    /// <summary>What a worker process (or another machine) opens this source by, with <see cref="InputResolver.OpenAddress"/>; null when only this process can read it.</summary>
    /// <remarks>
    /// A full path for a file, later a URL. A source without an address (standard input, a
    /// stream of yours) is always counted in the calling process, whatever the executor.
    /// </remarks>
    public virtual string? Address => null;

    /// <summary>What tells two names of one source apart: inputs whose sources have the same key are counted once.</summary>
    /// <remarks>The address by default; a file gives its device and inode, so a link to it or another path of it is the same file.</remarks>
    public virtual string? DuplicateKey => Address;

    /// <summary>Whether writing to <paramref name="path"/> would overwrite this source: the same file by another name, a link to it, the same device and inode.</summary>
    /// <remarks>An output is checked against every input with this before any work starts.</remarks>
    public virtual bool IsStoredAt(string path) => false;

    /// <summary>Whether the source can be read again from its start: false for a stream that is consumed as it is read.</summary>
    /// <remarks>An executor may retry a source after a failed attempt only when this is true.</remarks>
    public virtual bool CanReopen => Address is not null;

    /// <summary>Opens the source for one sequential read from its start.</summary>
    /// <exception cref="TallyInputException">The source cannot be opened; the message names it.</exception>
    public abstract ValueTask<Stream> OpenAsync(CancellationToken cancellationToken);

    /// <summary>What identifies the source's current content, for checkpoints; null when it cannot be checkpointed.</summary>
    /// <remarks>Taken before the source is read, so a change while it is read shows up on the next run.</remarks>
    /// <exception cref="TallyInputException">The source is gone or cannot be examined.</exception>
    public virtual ValueTask<SourceIdentity?> IdentifyAsync(CancellationToken cancellationToken) => ValueTask.FromResult<SourceIdentity?>(null);

    /// <summary>Which inflater this process uses for gzip sources, and why: ISA-L when installed, else the runtime's zlib-ng.</summary>
    /// <remarks>The environment variable <c>TALLY_INFLATE</c> (<c>zlib</c> or <c>isal</c>) pins one.</remarks>
    public static string GzipInflater => GzipDecoder.EngineDescription;

    /// <summary>A source reading a file.</summary>
    /// <exception cref="TallyInputException">The file does not exist or cannot be examined.</exception>
    public static DataSource FromFile(string path) => new FileSource(path);

    /// <summary>A source reading a stream once; the caller keeps ownership of it.</summary>
    public static DataSource FromStream(string name, Stream stream, long? length = null) => new StreamSource(name, stream, length);
}
