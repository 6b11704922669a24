using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Tally.Aggregation;
using Tally.Execution;
using Tally.Output;
using Tally.Parsing;
using Tally.Serialization;
using Tally.Sources;

namespace Tally.Engine;

/// <summary>
/// The checkpoint folder of a job: one file per finished source, named after the source's identity
/// key, saved atomically by the merger and checked in full before it is trusted.
/// </summary>
/// <remarks>
/// A checkpoint is used only when its checksums hold, it was made by the same map step with the
/// same arguments, under a line limit no looser than this run's, for the same source, and the source's content version (for a file: size and modification time)
/// is unchanged. A checkpoint made while skipping malformed rows (one with skipped rows) is used
/// only by a run that skips them too and writes no rejects file, since the rows themselves are not
/// stored. Anything else is counted again and its checkpoint replaced.
/// </remarks>
internal sealed partial class CheckpointStore
{
    private const string Extension = ".tlyc";

    private readonly string _directory;

    /// <summary>What this job computes: the map step's identity, and the policies and limits that change a source's table.</summary>
    private readonly string _mapStep;
    private readonly int _maxLineLength;
    private readonly bool _skipsRows;
    private readonly bool _writesRejects;

    /// <summary>Opens (creating it when needed) the folder, and deletes the temporary files of checkpoints whose writer died.</summary>
    /// <exception cref="TallyInputException">The folder cannot be created.</exception>
    public CheckpointStore(string directory, CountOptions options)
    {
        _directory = Path.GetFullPath(directory);
        _mapStep = options.MapStep.Identity;
        _maxLineLength = options.MaxLineLength;
        _skipsRows = options.MalformedRows == MalformedRowPolicy.Skip;
        _writesRejects = options.RejectsPath is not null;
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"checkpoint folder {directory}: {e.Message}", e);
        }

        // Temporary files of checkpoints whose writer was killed while saving.
        AtomicFile.RemoveStaleTemporaries(_directory, name => name.EndsWith(Extension, StringComparison.Ordinal));
    }

    /// <summary>Where the checkpoint of the source with this identity key lives.</summary>
    public string PathFor(string key)
    {
        // The hash tells apart sources of one name in different folders; the name keeps the folder readable.
        var hash = SHA256.HashData(Platform.UnixName.Encode(key));
        string name = UnsafeNameCharacters().Replace(Path.GetFileName(key), "_");
        if (name.Length > 80)
        {
            name = name[..80];
        }

        return Path.Combine(_directory, $"{name}.{Convert.ToHexStringLower(hash.AsSpan(0, 8))}{Extension}");
    }

    /// <summary>The checkpoint of the source with <paramref name="identity"/> when it can be trusted.</summary>
    /// <param name="identity">The source's identity, taken before it is read.</param>
    /// <param name="problem">Why an existing checkpoint was not used; null when there was none.</param>
    public (CheckpointInfo Info, CountTable Table)? TryLoad(SourceIdentity identity, out string? problem)
    {
        problem = null;
        string path = PathFor(identity.Key);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var info = CheckpointCodec.ReadHeader(stream);
            problem = Mismatch(info, identity);
            if (problem is not null)
            {
                return null;
            }

            return (info, CountTableCodec.Read(stream));
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

    /// <summary>The record of a finished source, as this job makes it.</summary>
    public CheckpointInfo Describe(SourceIdentity identity, SourceFigures figures, long skippedRows, IReadOnlyList<RejectedRow> examples)
        => new(_mapStep, _maxLineLength, identity, figures.IsCompressed, figures.StoredBytes, figures.Bytes, figures.Rows, skippedRows, examples);

    /// <summary>Saves a finished source's table: whole or not at all.</summary>
    /// <remarks>
    /// The table is written synchronously (a few hundred MB/s); the token is checked at every
    /// 64 KiB the format flushes, so Ctrl+C during the save of a large table still stops at once,
    /// and AtomicFile deletes the partial file.
    /// </remarks>
    public Task SaveAsync(CheckpointInfo info, CountTable table, CancellationToken cancellationToken)
        => AtomicFile.WriteAsync(PathFor(info.Source.Key), stream =>
        {
            CheckpointCodec.Write(new CancellableWriteStream(stream, cancellationToken), info, table);
            return Task.CompletedTask;
        }, removeStale: false, cancellationToken);

    /// <summary>A map step's identity in a message: escaped, and cut when long.</summary>
    private static string Shown(string mapStep) => Formats.KeyText.Display(Platform.UnixName.Encode(mapStep));

    private string? Mismatch(CheckpointInfo info, SourceIdentity identity)
    {
        if (info.Source.Key != identity.Key)
        {
            return $"belongs to another input ({info.Source.Key})";
        }

        if (info.MapStep != _mapStep)
        {
            // Shown cut: a series' identity carries every queried word, thousands with --words-file.
            return $"was made by another format or with other options ({Shown(info.MapStep)}; this run: {Shown(_mapStep)})";
        }

        if (info.Source.Version != identity.Version)
        {
            return $"is stale: the input changed ({info.Source.Version}; now {identity.Version})";
        }

        if (info.MaxLineLength > _maxLineLength)
        {
            return $"was made under a looser --max-line-length ({info.MaxLineLength:N0} bytes; this run: {_maxLineLength:N0})";
        }

        if (info.SkippedRows > 0 && !_skipsRows)
        {
            return "was made skipping malformed rows, and this run does not skip them";
        }

        if (info.SkippedRows > 0 && _writesRejects)
        {
            return "does not hold the skipped rows a rejects file needs";
        }

        return null;
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
}
