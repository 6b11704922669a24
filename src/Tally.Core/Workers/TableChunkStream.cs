using Tally.Serialization;

namespace Tally.Workers;

/// <summary>A write-only stream that sends what is written as table-chunk frames of a task.</summary>
/// <remarks>
/// Gathers up to <see cref="TallyDefaults.WorkerTableChunkBytes"/> before sending, so a table of
/// any size goes out in bounded frames; the last, partial chunk goes out on dispose.
/// </remarks>
internal sealed class TableChunkStream(Stream output, FrameBuilder frames, long taskId) : Stream
{
    private readonly byte[] _chunk = new byte[TallyDefaults.WorkerTableChunkBytes];
    private int _used;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = Math.Min(buffer.Length, _chunk.Length - _used);
            buffer[..n].CopyTo(_chunk.AsSpan(_used));
            _used += n;
            buffer = buffer[n..];
            if (_used == _chunk.Length)
            {
                SendChunk();
            }
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _used > 0)
        {
            SendChunk();
        }

        base.Dispose(disposing);
    }

    private void SendChunk()
    {
        output.Write(SimpleFrames.TableChunk(frames, taskId, _chunk.AsSpan(0, _used)).Span);
        output.Flush();
        _used = 0;
    }
}
