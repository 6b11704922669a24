using System.Text;
using Tally.Exports.Parquet;
using Tally.Output;
using Tally.Testing;

namespace Tally.Exports.Tests;

/// <summary>
/// Every output format writes a <see cref="RecordTable"/> (what <c>tally series -o</c> writes) that
/// reads back as the same names, types and values, rows in the order given: text with every
/// character a format must escape and an invalid byte, integers at the ends of a long, reals bit
/// for bit.
/// </summary>
public sealed class RecordOutputTests : IDisposable
{
    /// <summary>The byte 0xFF as Tally carries it in a .NET string (<c>surrogateescape</c>: U+DC00 + 0xFF).</summary>
    private const string InvalidByte = "\uDCFF";

    private static readonly OutputFormatRegistry s_formats = OutputFormatRegistry.WithBuiltIns().AddExports();
    private static readonly char[] s_kinds = ['T', 'I', 'I', 'R', 'R'];
    private static readonly string[] s_names = ["ngram", "year", "match_count", "relative_frequency", "smoothed"];

    private static readonly string[] s_awkwardText =
    [
        "plain", "quote \" inside", "\"\"", "comma, inside", "café 日本 😀", "bad" + InvalidByte + "byte", InvalidByte,
        "back\\slash", "\\x41 looks escaped", "\\" + InvalidByte, "", " spaced ", "{\"json\":1}", "\u0001\u001B\u007F", "\u2028",
    ];

    private static readonly string[] s_lineBreakingText = ["tab\there", "new\nline", "carriage\rreturn", "crlf\r\n"];

    private static readonly long[] s_integers = [long.MinValue, long.MaxValue, 0, -1, 1, 1900, 2019, int.MaxValue + 1L];

    private static readonly double[] s_reals =
    [
        1e-300, 0.1, 2.0 / 3, 1.5e-07, -0.0, 0.0, 3.0, -2.5, double.Epsilon, double.MaxValue, double.MinValue, 1e300,
        1e16, 123456789012345680000.0, Math.PI, 0.30000000000000004, 5e-324 * 3, 2.2250738585072014e-308,
    ];

    private readonly TempFolder _folder = new();

    public static TheoryData<string> Formats() => ["tsv", "csv", "jsonl", "parquet", "sqlite"];

    public static TheoryData<string> TextFormats() => ["csv", "jsonl", "parquet", "sqlite"];

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task WriteRecords_AwkwardValues_ReadBackTheSameInOrder(string name)
    {
        var texts = name == "tsv" ? s_awkwardText : [.. s_awkwardText, .. s_lineBreakingText];
        var table = Table(texts, rows: 200);

        string path = await WriteAsync(name, table);

        var (names, rows) = RecordReaders.Read(name, path, s_kinds);
        Assert.Equal(s_names, names);
        Assert.Equal(table.RowCount, rows.Count);
        for (int row = 0; row < rows.Count; row++)
        {
            AssertRow(table, row, rows[row], name);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task WriteRecords_EmptyTable_KeepsItsColumnsWhereTheFormatCan(string name)
    {
        var table = Table([], rows: 0);

        string path = await WriteAsync(name, table);

        // TSV and CSV: the header line only; JSON Lines: an empty file (no rows, no header to
        // hold the names); Parquet: the schema and one empty row group; SQLite: an empty table.
        var (names, rows) = RecordReaders.Read(name, path, s_kinds);
        Assert.Empty(rows);
        if (name == "jsonl")
        {
            Assert.Equal(0, new FileInfo(path).Length);
        }
        else if (name is "parquet" or "sqlite")
        {
            Assert.Equal(s_names, names);
        }
        else
        {
            Assert.Equal(s_names, names);
            Assert.Equal(name == "tsv" ? "ngram\tyear\tmatch_count\trelative_frequency\tsmoothed\n" : "ngram,year,match_count,relative_frequency,smoothed\r\n", File.ReadAllText(path));
        }
    }

    [Theory]
    [InlineData("parquet", "VARCHAR,BIGINT,BIGINT,DOUBLE,DOUBLE")]
    [InlineData("sqlite", "TEXT,INTEGER,INTEGER,REAL,REAL")]
    public async Task WriteRecords_TypedFormats_StoreTypedColumns(string name, string types)
    {
        string path = await WriteAsync(name, Table(["x"], rows: 3));

        Assert.Equal(types, string.Join(',', RecordReaders.Types(name, path)));
    }

    [Theory]
    [InlineData("tsv", "ngram\tyear\tmatch_count\trelative_frequency\nx\t1900\t3\t1.5E-07\n")]
    [InlineData("csv", "ngram,year,match_count,relative_frequency\r\nx,1900,3,1.5E-07\r\n")]
    [InlineData("jsonl", "{\"ngram\":\"x\",\"year\":1900,\"match_count\":3,\"relative_frequency\":1.5E-07}\n")]
    public async Task WriteRecords_TextFormats_WriteTheDocumentedBytes(string name, string expected)
    {
        var table = new RecordTable("series", [
            RecordColumn.Text("ngram", ["x"]), RecordColumn.Integer("year", [1900]), RecordColumn.Integer("match_count", [3]), RecordColumn.Real("relative_frequency", [1.5e-07])]);

        Assert.Equal(expected, File.ReadAllText(await WriteAsync(name, table)));
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(2.0 / 3, "0.6666666666666666")]
    [InlineData(1e-300, "1E-300")]
    [InlineData(3.0, "3.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(1e16, "10000000000000000.0")]
    [InlineData(1e300, "1E+300")]
    public async Task WriteRecords_Reals_AreShortestRoundTripDigits(double value, string text)
    {
        var table = new RecordTable("series", [RecordColumn.Real("r", [value])]);

        Assert.Equal($"r\n{text}\n", File.ReadAllText(await WriteAsync("tsv", table)));
    }

    [Theory]
    [InlineData("tsv")]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task WriteRecords_WholeReals_StayRealsForAReaderThatGuessesTypes(string name)
    {
        var table = new RecordTable("series", [
            RecordColumn.Text("ngram", ["a", "b"]), RecordColumn.Integer("year", [1900, 1901]), RecordColumn.Real("smoothed", [0.0, 3.0])]);

        Assert.Equal(["VARCHAR", "BIGINT", "DOUBLE"], RecordReaders.Types(name, await WriteAsync(name, table)));
    }

    [Theory]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("carriage\rreturn")]
    public async Task WriteRecords_TsvTextWithALineBreakOrTab_IsRefusedAndWritesNothing(string text)
    {
        var table = new RecordTable("series", [RecordColumn.Text("ngram", ["fine", text]), RecordColumn.Integer("year", [1, 2])]);
        Assert.True(s_formats.TryGet("tsv", out var format));
        string path = Path.Combine(_folder.Path, "refused.tsv");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => format.WriteRecordsAsync(table, path));

        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"ngram\"", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Theory]
    [MemberData(nameof(TextFormats))]
    public async Task WriteRecords_TextDifferingOnlyInAnInvalidByteOrItsEscape_StaysDistinct(string name)
    {
        string[] texts = ["k" + InvalidByte, "k\uDCFE", "k\\xFF", "k\\" + InvalidByte, "k\\\\xFF", "k\\"];
        var table = new RecordTable("series", [RecordColumn.Text("ngram", texts), RecordColumn.Integer("year", [.. texts.Select((_, i) => (long)i)])]);

        string path = await WriteAsync(name, table);

        var rows = RecordReaders.Read(name, path, ['T', 'I']).Rows;
        Assert.Equal(texts.Select(Bytes), rows.Select(r => (byte[])r[0]));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task WriteRecords_Cancelled_LeavesTheExistingFileAndNoTemporaryFile(string name)
    {
        var table = Table(s_awkwardText, rows: 50);
        string path = await WriteAsync(name, table);
        byte[] before = File.ReadAllBytes(path);
        var files = Directory.GetFiles(_folder.Path).Order().ToList();
        Assert.True(s_formats.TryGet(name, out var format));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => format.WriteRecordsAsync(Table(["other"], rows: 5), path, new CancellationToken(canceled: true)));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(files, Directory.GetFiles(_folder.Path).Order().ToList());
    }

    [Fact]
    public async Task Parquet_RecordRowGroups_HoldAtMostTheirSizeAndKeepTheOrder()
    {
        var table = Table(s_awkwardText, rows: 1_000);
        string path = Path.Combine(_folder.Path, "groups.parquet");

        await new ParquetOutputFormat(rowGroupRows: 64).WriteRecordsAsync(table, path);

        string quoted = Readers.Quote(path);
        Assert.Equal((1_000 + 63) / 64, Readers.DuckScalar($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata({quoted})"));
        Assert.Equal(64, Readers.DuckScalar($"SELECT max(row_group_num_rows) FROM parquet_metadata({quoted})"));
        var rows = RecordReaders.Read("parquet", path, s_kinds).Rows;
        for (int row = 0; row < rows.Count; row++)
        {
            AssertRow(table, row, rows[row], "parquet");
        }
    }

    [Fact]
    public async Task Sqlite_RecordsIntoAnExistingDatabase_ReplaceTheirTableAndKeepOthers()
    {
        string path = Path.Combine(_folder.Path, "both.db");
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(21, 100));
        Assert.True(s_formats.TryGet("sqlite", out var format));
        await format.WriteAsync(result, path);
        await format.WriteRecordsAsync(Table(["old"], rows: 7), path);

        await format.WriteRecordsAsync(Table(["new"], rows: 3), path);

        var rows = RecordReaders.Sqlite(path, "SELECT ngram FROM series ORDER BY rowid").Rows;
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal("new"u8.ToArray(), (byte[])r[0]));
        Assert.Equal(result.Count, (long)RecordReaders.Sqlite(path, "SELECT count(*) FROM totals").Rows.Single()[0]);
    }

    [Fact]
    public async Task Sqlite_RecordsToAStream_AreNotSupported()
    {
        Assert.True(s_formats.TryGet("sqlite", out var format));

        await Assert.ThrowsAsync<NotSupportedException>(() => format.WriteRecordsAsync(Table(["x"], rows: 1), new MemoryStream()));
    }

    [Fact]
    public void EveryBuiltInFormat_WritesRecords()
        => Assert.All(s_formats.Formats, f => Assert.True(f.CanWriteRecords, f.Name));

    /// <summary>A series-shaped table: text cycling through <paramref name="texts"/>, integers and reals through the awkward values.</summary>
    private static RecordTable Table(string[] texts, int rows)
    {
        var random = new Random(rows);
        return new RecordTable("series", [
            RecordColumn.Text("ngram", [.. Enumerable.Range(0, rows).Select(i => texts[i % texts.Length])]),
            RecordColumn.Integer("year", [.. Enumerable.Range(0, rows).Select(i => s_integers[i % s_integers.Length])]),
            RecordColumn.Integer("match_count", [.. Enumerable.Range(0, rows).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))]),
            RecordColumn.Real("relative_frequency", [.. Enumerable.Range(0, rows).Select(i => s_reals[i % s_reals.Length])]),
            RecordColumn.Real("smoothed", [.. Enumerable.Range(0, rows).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64(0, 0x7FEF_FFFF_FFFF_FFFF)))]),
        ]);
    }

    private static void AssertRow(RecordTable table, int row, object[] read, string format)
    {
        Assert.Equal(table.Columns.Count, read.Length);
        for (int column = 0; column < read.Length; column++)
        {
            var values = table.Columns[column];
            string where = $"{format}: column {values.Name}, row {row}";
            switch (values.Kind)
            {
                case RecordKind.Text:
                    Assert.True(Bytes(values.TextAt(row)).AsSpan().SequenceEqual((byte[])read[column]), where);
                    break;
                case RecordKind.Integer:
                    Assert.True(values.IntegerAt(row) == (long)read[column], where);
                    break;
                default:
                    double expected = values.RealAt(row);
                    double actual = (double)read[column];

                    // SQLite stores a whole REAL as an integer on disk and reads -0.0 back as 0.0;
                    // every other format keeps its sign bit.
                    Assert.True(format == "sqlite" && expected == 0 ? actual == 0 : BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{where}: wrote {expected:R}, read {actual:R}");
                    break;
            }
        }
    }

    /// <summary>The bytes a text stands for: UTF-8, each U+DC80-U+DCFF as the byte it escapes (the reference for Tally's own decoding).</summary>
    private static byte[] Bytes(string text)
    {
        var bytes = new List<byte>();
        var run = new StringBuilder();
        foreach (char c in text)
        {
            if (c is >= '\uDC80' and <= '\uDCFF')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(run.ToString()));
                run.Clear();
                bytes.Add((byte)(c - 0xDC00));
            }
            else
            {
                run.Append(c);
            }
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(run.ToString()));
        return [.. bytes];
    }

    private async Task<string> WriteAsync(string name, RecordTable table)
    {
        Assert.True(s_formats.TryGet(name, out var format));
        string path = Path.Combine(_folder.Path, Guid.NewGuid().ToString("N") + format.Extensions[0]);
        await format.WriteRecordsAsync(table, path);
        return path;
    }
}
