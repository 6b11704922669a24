using Tally.Aggregation;
using Tally.Parsing;
using Tally.Sources;

namespace Tally.Serialization;

/// <summary>What a checkpoint says about its source: whose table it is, and the counters of its completion.</summary>
/// <param name="MapStep">The map step and arguments that made the table (<see cref="Mapping.MapStep.Identity"/>); a table made by another is never reused.</param>
/// <param name="MaxLineLength">The line limit it was made under; a stricter one may have left the source out, so it recomputes.</param>
/// <param name="Source">Which source, and which version of its content, when it was read.</param>
/// <param name="IsCompressed">Whether the source was gzip.</param>
/// <param name="StoredBytes">Bytes as stored.</param>
/// <param name="Bytes">Uncompressed bytes.</param>
/// <param name="Rows">Rows counted.</param>
/// <param name="SkippedRows">Malformed rows skipped; 0 when none were (or when they fail the job).</param>
/// <param name="SkippedExamples">The first few skipped rows.</param>
internal sealed record CheckpointInfo(
    string MapStep,
    int MaxLineLength,
    SourceIdentity Source,
    bool IsCompressed,
    long StoredBytes,
    long Bytes,
    long Rows,
    long SkippedRows,
    IReadOnlyList<RejectedRow> SkippedExamples);

/// <summary>
/// The bytes of a checkpoint file: a header describing the source, with its own checksum, then
/// the source's table in <see cref="CountTableCodec"/>, which has another.
/// </summary>
/// <remarks>
/// Layout: a header record in the shared <see cref="Envelope"/>: <c>"TLYC"</c>, version byte (2),
/// header length (varint), the header (the <see cref="CheckpointInfo"/> fields in order, written
/// with <see cref="PayloadWriter"/>), the CRC-32 of everything before it (4 bytes); then the table.
/// The header comes first and is checked alone, so a stale checkpoint is told apart without reading
/// its table. A field added to <see cref="CheckpointInfo"/> is one line in <see cref="Write"/> and
/// one in <see cref="ReadHeader"/>, and a new <see cref="Version"/>: older checkpoints are then
/// reported unreadable, and counted again.
/// </remarks>
internal static class CheckpointCodec
{
    /// <summary>Version 1 wrote its header with <see cref="BinaryWriter"/> and an int32 length; version 2 named the map step alone and a file by path, size and time.</summary>
    public const byte Version = 3;

    /// <summary>Headers are small (a path and five examples); anything bigger is damage, not data.</summary>
    private const int MaxHeaderLength = 64 << 20;

    private static readonly Envelope s_envelope = new("TLYC", Version, "Tally checkpoint");

    public static void Write(Stream destination, CheckpointInfo info, CountTable table)
    {
        var header = new PayloadWriter()
            .String(info.MapStep)
            .Varint(info.MaxLineLength)
            .String(info.Source.Key)
            .String(info.Source.Version)
            .Boolean(info.IsCompressed)
            .Varint(info.StoredBytes)
            .Varint(info.Bytes)
            .Varint(info.Rows)
            .Varint(info.SkippedRows)
            .Varint(info.SkippedExamples.Count);
        foreach (var row in info.SkippedExamples)
        {
            header.Varint(row.Line).String(row.Reason).Varint(row.Text.Length).Bytes(row.Text);
        }

        s_envelope.WriteHeader(destination, header.Finish().Span);
        CountTableCodec.Write(table, destination);
    }

    /// <summary>Reads and checks the header, leaving <paramref name="source"/> at the table.</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, another version, cut short, or a checksum mismatch.</exception>
    public static CheckpointInfo ReadHeader(Stream source)
    {
        // The checksum matched, so a malformed header past this point is a writer bug.
        var header = new PayloadReader(s_envelope.ReadHeader(source, MaxHeaderLength).Span, "Tally checkpoint header");
        var info = new CheckpointInfo(
            MapStep: header.String(),
            MaxLineLength: header.Int32(),
            Source: new SourceIdentity(header.String(), header.String()),
            IsCompressed: header.Boolean(),
            StoredBytes: header.Varint(),
            Bytes: header.Varint(),
            Rows: header.Varint(),
            SkippedRows: header.Varint(),
            SkippedExamples: ReadExamples(ref header));
        header.End();
        return info;
    }

    private static RejectedRow[] ReadExamples(ref PayloadReader header)
    {
        int count = header.Int32();
        if (count > TallyDefaults.RejectExamplesPerSource)
        {
            throw new InvalidDataException("Tally checkpoint holds too many examples");
        }

        var examples = new RejectedRow[count];
        for (int i = 0; i < count; i++)
        {
            examples[i] = new RejectedRow(header.Varint(), header.String(), header.Bytes(header.Int32()).ToArray());
        }

        return examples;
    }
}
