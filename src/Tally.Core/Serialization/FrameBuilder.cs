using System.Buffers.Binary;

namespace Tally.Serialization;

/// <summary>Builds one frame at a time in a reused buffer, header included, so it goes out in one write.</summary>
/// <remarks>
/// <see cref="Start"/> begins a frame; the <see cref="PayloadWriter"/> methods add its payload;
/// <see cref="PayloadWriter.Finish"/> fills in the length and returns the whole frame, valid until the next <see cref="Start"/>.
/// </remarks>
internal sealed class FrameBuilder() : PayloadWriter(1024)
{
    public PayloadWriter Start(FrameType type) => Clear().Byte((byte)type).Bytes([0, 0, 0, 0]);

    protected override void Seal(Span<byte> written)
        => BinaryPrimitives.WriteUInt32LittleEndian(written.Slice(1), (uint)(written.Length - WorkerProtocol.HeaderLength));
}
