using System.Text;
using Tally.Aggregation;
using Tally.Output;
using Tally.Output.Formats.Csv;
using Tally.Output.Formats.Jsonl;
using Tally.Platform;

namespace Tally.Tests;

/// <summary>
/// The record-table seam (<see cref="RecordTable"/>, <see cref="OutputFormat.WriteRecordsAsync(RecordTable, Stream, CancellationToken)"/>):
/// its checks, and text written exactly as count writes a key, which is the oracle for the text formats.
/// </summary>
public sealed class RecordTableTests
{
    private static readonly byte[][] s_pieces =
    [
        .. new[] { "a", "the", "\\", "\\x", "\\xFF", "\"", ",", "'", " ", "é", "日本", "😀", "\u0001", "\u001B", "\u007F", "{", "\u2028", "\t", "\n", "\r" }
            .Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xFE], [0xC3], [0x80], [0xE6, 0x97], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
    ];

    public static TheoryData<string> TextFormats() => ["tsv", "csv", "jsonl"];

    [Theory]
    [MemberData(nameof(TextFormats))]
    public async Task WriteRecords_KeysAsText_WritesTheBytesCountWritesForThem(string name)
    {
        var format = OutputFormatRegistry.WithBuiltIns().TryGet(name, out var found) ? (RowOutputFormat)found : throw new InvalidOperationException(name);
        foreach (int seed in new[] { 1, 2, 3 })
        {
            // TSV cannot hold TAB or a line end in a record's text (count's TSV can, in its one key).
            var result = Count(seed, keys: 3_000, lineBreaks: name != "tsv");
            var sorted = result.Sorted();
            var table = new RecordTable("totals", [
                RecordColumn.Text("ngram", [.. sorted.Select(k => UnixName.Decode(k.Utf8.Span))]),
                RecordColumn.Integer("total", [.. sorted.Select(k => k.Total)])]);

            using var counted = new MemoryStream();
            await result.WriteAsync(format.Rows, counted);
            using var recorded = new MemoryStream();
            await format.WriteRecordsAsync(table, recorded);

            // CSV's header is ngram,total for both; TSV's count output has none, JSON Lines neither.
            byte[] expected = name == "tsv" ? [.. "ngram\ttotal\n"u8, .. counted.ToArray()] : counted.ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(recorded.ToArray()), $"{name}, seed {seed}: the record table's bytes differ from count's");
        }
    }

    [Fact]
    public void RecordTable_ColumnsOfDifferentLengths_AreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new RecordTable("series", [RecordColumn.Text("ngram", ["a", "b"]), RecordColumn.Integer("year", [1])]));
        Assert.Contains("\"year\" has 1 values but \"ngram\" has 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordTable_NamesAlikeIgnoringCase_AreRefused()
        => Assert.Throws<ArgumentException>(() => new RecordTable("series", [RecordColumn.Integer("year", [1]), RecordColumn.Integer("Year", [2])]));

    [Fact]
    public void RecordTable_NoColumnsOrNoName_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new RecordTable("series", []));
        Assert.Throws<ArgumentException>(() => new RecordTable("", [RecordColumn.Integer("year", [1])]));
        Assert.Throws<ArgumentException>(() => RecordColumn.Integer("", [1]));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void RecordColumn_RealNotFinite_IsRefusedNamingTheRow(double value)
    {
        var error = Assert.Throws<ArgumentException>(() => RecordColumn.Real("relative_frequency", [0.5, value]));
        Assert.Contains("\"relative_frequency\": the value of row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordColumn_NullText_IsRefused()
        => Assert.Throws<ArgumentException>(() => RecordColumn.Text("ngram", ["a", null!]));

    [Fact]
    public void RecordColumn_CopiesItsValues_AndAnswersOnlyForItsKind()
    {
        var values = new List<long> { 1, 2 };
        var column = RecordColumn.Integer("year", values);
        values[0] = 99;

        Assert.Equal((RecordKind.Integer, 2, 1L), (column.Kind, column.Count, column.IntegerAt(0)));
        Assert.Throws<InvalidOperationException>(() => column.TextAt(0));
        Assert.Throws<InvalidOperationException>(() => column.RealAt(0));
    }

    [Fact]
    public async Task WriteRecords_FormatWithoutRecords_IsNotSupportedAndWritesNothing()
    {
        var format = new TotalsOnlyFormat();
        var table = new RecordTable("series", [RecordColumn.Integer("year", [1])]);
        string path = Path.Combine(Path.GetTempPath(), $"tally-records-{Guid.NewGuid():N}.out");

        Assert.False(format.CanWriteRecords);
        await Assert.ThrowsAsync<NotSupportedException>(() => format.WriteRecordsAsync(table, new MemoryStream()));
        await Assert.ThrowsAsync<NotSupportedException>(() => format.WriteRecordsAsync(table, path));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void BuiltInTextFormats_WriteRecords()
    {
        Assert.True(CsvRowFormat.Instance.CanWriteRecords);
        Assert.True(JsonlRowFormat.Instance.CanWriteRecords);
        Assert.True(TsvRowFormat.Instance.CanWriteRecords);
    }

    private static CountResult Count(int seed, int keys, bool lineBreaks)
    {
        var random = new Random(seed);
        var table = new CountTable();
        for (int i = 0; i < keys; i++)
        {
            var key = new List<byte>();
            for (int part = random.Next(1, 5); part > 0; part--)
            {
                byte[] piece = s_pieces[random.Next(s_pieces.Length)];
                if (lineBreaks || piece.AsSpan().IndexOfAny("\t\n\r"u8) < 0)
                {
                    key.AddRange(piece);
                }
            }

            table.Add([.. key], random.Next(30) == 0 ? long.MaxValue / keys : random.Next(1, 1000));
        }

        return new CountResult([table], [], TimeSpan.Zero, threads: 2);
    }

    /// <summary>A format that writes count's totals only: the defaults of <see cref="OutputFormat"/>.</summary>
    private sealed class TotalsOnlyFormat : OutputFormat
    {
        public override string Name => "totals-only";

        public override IReadOnlyList<string> Extensions => [".out"];

        public override Task WriteAsync(CountResult result, Stream destination, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
