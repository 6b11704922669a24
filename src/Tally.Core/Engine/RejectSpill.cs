using System.Buffers.Text;
using System.Diagnostics;
using System.Text;

namespace Tally.Engine;

/// <summary>
/// One worker's spill file of rejected rows, written as finished rejects-file lines
/// (<c>path TAB line TAB reason TAB row LF</c>), and the index of its segments.
/// </summary>
/// <remarks>
/// A segment is the rows of one block. Blocks of a source cover disjoint line ranges, so sorting
/// every worker's segments of a source by first line and copying them in that order gives the
/// source's rows in line order without a merge sort: that is what makes the rejects file
/// deterministic for any worker count. Only worker <c>w</c> writes spill <c>w</c>, so there is no
/// lock; the job reads the spills after every worker has stopped.
/// The file is opened on the first row, so a clean run creates none, and on Unix it is unlinked at
/// once: it lives only as long as its handle, and a killed process leaves nothing behind.
/// </remarks>
internal sealed class RejectSpill(string path) : IDisposable
{
    private readonly List<Segment> _segments = [];
    private readonly byte[] _number = new byte[24];
    private FileStream? _stream;
    private long _length;
    private bool _startNew = true;
    private Segment _current;

    /// <summary>Rows of one block: their source, first and last line, and where they are in the file.</summary>
    public readonly record struct Segment(int Source, int Sink, long FirstLine, long LastLine, long Offset, long Length);

    /// <summary>The segments written, in file order; complete after <see cref="Finish"/>.</summary>
    public IReadOnlyList<Segment> Segments => _segments;

    /// <summary>The next row starts a new segment.</summary>
    public void StartSegment() => _startNew = true;

    public void Write(int source, int sink, byte[] sourceName, long line, string reason, ReadOnlySpan<byte> row)
    {
        var stream = _stream ??= Open(path);
        if (_startNew || _current.Source != source || _current.Sink != sink)
        {
            CloseSegment();
            _current = new Segment(source, sink, line, line, _length, 0);
            _startNew = false;
        }

        Debug.Assert(line > _current.LastLine || _current.Length == 0, "rows of one block come in line order");

        // The line end is not part of the row; a CR before the LF is part of the line end.
        if (row.EndsWith((byte)'\r'))
        {
            row = row[..^1];
        }

        long before = _length;
        Put(stream, sourceName);
        PutByte(stream, (byte)'\t');
        bool formatted = Utf8Formatter.TryFormat(line, _number, out int digits);
        Debug.Assert(formatted);
        Put(stream, _number.AsSpan(0, digits));
        PutByte(stream, (byte)'\t');
        Put(stream, Encoding.UTF8.GetBytes(reason));
        PutByte(stream, (byte)'\t');
        Put(stream, row);
        PutByte(stream, (byte)'\n');
        _current = _current with { LastLine = line, Length = _current.Length + (_length - before) };
    }

    /// <summary>Closes the last segment and flushes the file, so it can be read back.</summary>
    public void Finish()
    {
        CloseSegment();
        _stream?.Flush();
    }

    /// <summary>Copies one segment's bytes to <paramref name="destination"/>.</summary>
    public async Task CopyAsync(Segment segment, Stream destination, byte[] buffer, CancellationToken cancellationToken)
    {
        Debug.Assert(_stream is not null);
        long offset = segment.Offset;
        long end = segment.Offset + segment.Length;
        while (offset < end)
        {
            int want = (int)Math.Min(buffer.Length, end - offset);
            int read = await RandomAccess.ReadAsync(_stream.SafeFileHandle, buffer.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"{path}: the spill file of rejected rows ended early");
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            offset += read;
        }
    }

    public void Dispose() => _stream?.Dispose();

    private static FileStream Open(string path)
    {
        // Synchronous: rejected rows are the exception, and a worker writing them waits for at most
        // one 64 KiB buffer to reach the page cache.
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, TallyDefaults.RejectSpillBuffer,
            OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(path);
        }

        return stream;
    }

    private void CloseSegment()
    {
        if (_current.Length > 0)
        {
            _segments.Add(_current);
        }

        _current = default;
    }

    private void Put(FileStream stream, ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        _length += bytes.Length;
    }

    private void PutByte(FileStream stream, byte value)
    {
        stream.WriteByte(value);
        _length++;
    }
}
