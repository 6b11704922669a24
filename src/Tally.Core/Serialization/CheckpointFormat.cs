using System.Buffers.Binary;
using System.Text;
using Tally.Aggregation;
using Tally.Parsing;
using Tally.Sources;

namespace Tally.Serialization;

/// <summary>What a checkpoint says about its source: whose table it is, and the counters of its completion.</summary>
/// <param name="Format">The map step that made the table (<c>ngram-v2</c>); a table of another format is never reused.</param>
/// <param name="Stamp">The source file's full path, size and modification time when it was read.</param>
/// <param name="IsCompressed">Whether the source was gzip.</param>
/// <param name="StoredBytes">Bytes as stored.</param>
/// <param name="Bytes">Uncompressed bytes.</param>
/// <param name="Rows">Rows counted.</param>
/// <param name="SkippedRows">Malformed rows skipped; 0 when none were (or when they fail the job).</param>
/// <param name="SkippedExamples">The first few skipped rows.</param>
internal sealed record CheckpointInfo(
    string Format,
    FileStamp Stamp,
    bool IsCompressed,
    long StoredBytes,
    long Bytes,
    long Rows,
    long SkippedRows,
    IReadOnlyList<RejectedRow> SkippedExamples);

/// <summary>
/// The bytes of a checkpoint file: a header describing the source, with its own checksum, then
/// the source's table in <see cref="CountTableFormat"/>, which has another.
/// </summary>
/// <remarks>
/// Layout: <c>"TLYC"</c>, version byte (1), header length (int32, little endian), the header
/// (<see cref="BinaryWriter"/> encoding of <see cref="CheckpointInfo"/>), the CRC-32 of everything
/// before it (4 bytes), then the table. The header comes first and is checked alone, so a stale
/// checkpoint is told apart without reading its table.
/// </remarks>
internal static class CheckpointFormat
{
    private const byte Version = 1;
    private const int PrefixLength = 9;

    /// <summary>Headers are small (a path and five examples); anything bigger is damage, not data.</summary>
    private const int MaxHeaderLength = 64 << 20;

    private static ReadOnlySpan<byte> Magic => "TLYC"u8;

    public static void Write(Stream destination, CheckpointInfo info, CountTable table)
    {
        var header = new MemoryStream();
        header.Write(Magic);
        header.WriteByte(Version);
        header.Write(new byte[4]);
        using (var writer = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(info.Format);
            writer.Write(info.Stamp.FullPath);
            writer.Write(info.Stamp.Length);
            writer.Write(info.Stamp.LastWriteUtcTicks);
            writer.Write(info.IsCompressed);
            writer.Write(info.StoredBytes);
            writer.Write(info.Bytes);
            writer.Write(info.Rows);
            writer.Write(info.SkippedRows);
            writer.Write(info.SkippedExamples.Count);
            foreach (var row in info.SkippedExamples)
            {
                writer.Write(row.Line);
                writer.Write(row.Reason);
                writer.Write(row.Text.Length);
                writer.Write(row.Text);
            }
        }

        var bytes = header.GetBuffer().AsSpan(0, (int)header.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.Slice(5), bytes.Length - PrefixLength);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, ZlibNative.Crc32(0, bytes));
        destination.Write(bytes);
        destination.Write(crc);
        CountTableFormat.Write(table, destination);
    }

    /// <summary>Reads and checks the header, leaving <paramref name="source"/> at the table.</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, another version, cut short, or a checksum mismatch.</exception>
    public static CheckpointInfo ReadHeader(Stream source)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        if (source.ReadAtLeast(prefix, PrefixLength, throwOnEndOfStream: false) < PrefixLength || !prefix.StartsWith(Magic))
        {
            throw new InvalidDataException("not a Tally checkpoint (bad magic)");
        }

        if (prefix[4] != Version)
        {
            throw new InvalidDataException($"Tally checkpoint version {prefix[4]} is not supported (expected {Version})");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(prefix.Slice(5));
        if (length is < 0 or > MaxHeaderLength)
        {
            throw new InvalidDataException("Tally checkpoint header length is out of range");
        }

        var header = new byte[length + 4];
        if (source.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw new InvalidDataException("Tally checkpoint header is cut short");
        }

        uint crc = ZlibNative.Crc32(ZlibNative.Crc32(0, prefix), header.AsSpan(0, length));
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(length)))
        {
            throw new InvalidDataException("Tally checkpoint header checksum mismatch");
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(header, 0, length), Encoding.UTF8);
            string format = reader.ReadString();
            var stamp = new FileStamp(reader.ReadString(), reader.ReadInt64(), reader.ReadInt64());
            bool compressed = reader.ReadBoolean();
            long storedBytes = reader.ReadInt64();
            long bytes = reader.ReadInt64();
            long rows = reader.ReadInt64();
            long skipped = reader.ReadInt64();
            int count = reader.ReadInt32();
            if (count is < 0 or > TallyDefaults.RejectExamplesPerSource)
            {
                throw new InvalidDataException("Tally checkpoint holds too many examples");
            }

            var examples = new RejectedRow[count];
            for (int i = 0; i < count; i++)
            {
                long line = reader.ReadInt64();
                string reason = reader.ReadString();
                examples[i] = new RejectedRow(line, reason, reader.ReadBytes(reader.ReadInt32()));
            }

            return new CheckpointInfo(format, stamp, compressed, storedBytes, bytes, rows, skipped, examples);
        }
        catch (EndOfStreamException e)
        {
            // Only a writer bug gets here: the checksum matched, so these are the bytes written.
            throw new InvalidDataException("Tally checkpoint header is malformed", e);
        }
    }
}
