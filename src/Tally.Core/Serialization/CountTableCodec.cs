using Tally.Aggregation;

namespace Tally.Serialization;

/// <summary>
/// The binary form of a <see cref="CountTable"/>: what checkpoints store and what worker processes
/// send back. Compact (varints) and checksummed, so a damaged file is detected, never trusted.
/// </summary>
/// <remarks>
/// Layout, in the shared envelope: <c>"TLYT"</c>, version byte (1), entry count (varint); per entry
/// the key length (varint), the key's bytes and the total (varint); then the CRC-32 of everything
/// before it (4 bytes, little endian). Written as it streams, in bounded memory.
/// </remarks>
public static class CountTableCodec
{
    private const string Subject = "Tally table";

    private static readonly Envelope s_envelope = new("TLYT", 1, Subject);

    /// <summary>Writes <paramref name="table"/> to <paramref name="destination"/>.</summary>
    public static void Write(CountTable table, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(destination);
        var writer = s_envelope.StartWriting(destination);
        writer.WriteVarint((ulong)table.Count);
        table.ForEach(ref writer, static (ref EnvelopeWriter w, ReadOnlySpan<byte> key, long total) =>
        {
            w.WriteVarint((ulong)key.Length);
            w.Write(key);
            w.WriteVarint((ulong)total);
        });
        writer.Finish();
    }

    /// <summary>Reads a table written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a table, is of another version, is cut short, or fails its checksum.</exception>
    public static CountTable Read(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var buffer = new MemoryStream();
        source.CopyTo(buffer);
        return Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads a table from bytes written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="Read(Stream)"/>.</exception>
    public static CountTable Read(ReadOnlySpan<byte> data)
    {
        var body = new PayloadReader(s_envelope.Open(data), Subject);
        ulong count = body.UInt64();
        if (count > int.MaxValue)
        {
            throw new InvalidDataException("Tally table entry count is out of range");
        }

        var table = new CountTable((int)Math.Min(count, 1 << 24));
        for (ulong i = 0; i < count; i++)
        {
            var key = body.Bytes(body.Int32());
            table.Add(key, body.Varint());
        }

        body.End();
        return table;
    }
}
