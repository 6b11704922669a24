using System.Buffers.Binary;

namespace Tally.Serialization;

/// <summary>Reads frames from a stream. One reader per stream; not thread-safe.</summary>
internal sealed class FrameReader(Stream stream)
{
    private readonly byte[] _header = new byte[WorkerProtocol.HeaderLength];
    private byte[] _payload = new byte[4096];

    /// <summary>The next frame, or null when the stream ends cleanly between frames.</summary>
    /// <exception cref="EndOfStreamException">The stream ends inside a frame.</exception>
    /// <exception cref="InvalidDataException">A length over <see cref="TallyDefaults.WorkerMaxFrameBytes"/>: not the protocol.</exception>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken)
    {
        int got = await stream.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < _header.Length)
        {
            throw new EndOfStreamException("the stream ends inside a frame header");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(1));
        if (length > TallyDefaults.WorkerMaxFrameBytes)
        {
            throw new InvalidDataException($"a frame of {length:N0} bytes is over the limit; the stream is not the worker protocol");
        }

        if (_payload.Length < length)
        {
            _payload = new byte[Math.Max(length, (uint)_payload.Length * 2)];
        }

        await stream.ReadExactlyAsync(_payload.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false);
        return new Frame((FrameType)_header[0], _payload.AsMemory(0, (int)length));
    }
}
