using Tally.Aggregation;
using Tally.Parsing;
using Tally.Serialization;
using Tally.Sources;

namespace Tally.Tests.Serialization;

/// <summary>The checkpoint's header record and the table after it.</summary>
public sealed class CheckpointCodecTests
{
    [Fact]
    public void WriteThenRead_RoundTripsTheHeader_AndLeavesTheTable()
    {
        var info = new CheckpointInfo("ngram-v2", 1 << 20, new SourceIdentity("file:/data/Zürich.gz", "size=12345;mtime=1"), true, 100, 400, 30, 2,
            [new RejectedRow(3, "too few fields", [0x41, 0xFF]), new RejectedRow(9, "é: not a number", [])]);
        var table = new CountTable();
        table.Add("k"u8, 5);
        var stream = new MemoryStream();
        CheckpointCodec.Write(stream, info, table);
        stream.Position = 0;

        var read = CheckpointCodec.ReadHeader(stream);

        Assert.Equal(info with { SkippedExamples = [] }, read with { SkippedExamples = [] });
        Assert.Equal(info.SkippedExamples.Select(r => (r.Line, r.Reason, Convert.ToHexString(r.Text))), read.SkippedExamples.Select(r => (r.Line, r.Reason, Convert.ToHexString(r.Text))));
        Assert.Equal(5, CountTableCodec.Read(stream).Get("k"u8));
    }

    [Fact]
    public void Version1_IsNotSupported()
    {
        var stream = new MemoryStream();
        CheckpointCodec.Write(stream, new CheckpointInfo("ngram-v2", 1 << 20, new SourceIdentity("file:/f", "v"), false, 1, 1, 1, 0, []), new CountTable());
        var bytes = stream.ToArray();
        bytes[4] = 1;

        var e = Assert.Throws<InvalidDataException>(() => CheckpointCodec.ReadHeader(new MemoryStream(bytes)));

        Assert.Equal($"Tally checkpoint version 1 is not supported (expected {CheckpointCodec.Version})", e.Message);
    }
}
