using System.Text;
using Tally.Exports.Parquet;
using Tally.Output;
using Tally.Testing;

namespace Tally.Exports.Tests;

/// <summary>
/// Every output format, written from seeded data with awkward keys and read back by a real
/// consumer (DuckDB, SQLite): the same rows and totals as the TSV output, which matches the
/// reference count, in the keys' byte order.
/// </summary>
public sealed class OutputReadbackTests : IDisposable
{
    private static readonly OutputFormatRegistry s_formats = OutputFormatRegistry.WithBuiltIns().AddExports();
    private readonly TempFolder _folder = new();

    public static TheoryData<string> Formats() => ["tsv", "csv", "jsonl", "parquet", "sqlite"];

    public static TheoryData<string> TextFormats() => ["csv", "jsonl", "parquet", "sqlite"];

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Write_SeededAwkwardKeys_ReadsBackAsTheTsvOutput(string name)
    {
        foreach (var (seed, keys) in new[] { (1, 1), (2, 40), (3, 3_000), (4, 40_000) })
        {
            byte[] rows = AwkwardData.Rows(seed, keys);
            var result = await AwkwardData.CountAsync(_folder, rows);
            var reference = ReferenceCount.Count([rows]).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value)).ToList();
            string tsv = Path.Combine(_folder.Path, $"out{seed}.tsv");
            await OutputFormatRegistry.Tsv.WriteAsync(result, tsv);
            Assert.Equal(reference, Readers.Read("tsv", tsv));

            Assert.True(s_formats.TryGet(name, out var format));
            string path = Path.Combine(_folder.Path, $"out{seed}{format.Extensions[0]}");
            await format.WriteAsync(result, path);

            var read = Readers.Read(name, path);
            if (name == "sqlite")
            {
                // A table has no order of its own: the rows are compared sorted by their bytes.
                read = [.. read.OrderBy(r => r.Key, StringComparer.Ordinal)];
            }

            Assert.Equal(reference.Count, read.Count);
            Assert.True(reference.SequenceEqual(read), $"{name}, seed {seed}: rows differ from the TSV output");
        }
    }

    [Theory]
    [MemberData(nameof(TextFormats))]
    public async Task Write_KeysDifferingOnlyInAnInvalidByte_StayDistinctAndRecoverable(string name)
    {
        byte[][] keys =
        [
            [(byte)'k', 0xFF], [(byte)'k', 0xFE], [(byte)'k', 0xC3], [(byte)'k', 0xC3, 0xA9],
            [.. "k\\xFF"u8], [.. "k\\xFE"u8], [.. "k\\"u8, 0xFF], [.. "k\\\\"u8, 0xFF], [.. "k\\\\xFF"u8], [.. "k\\"u8],
        ];
        var result = await AwkwardData.CountKeysAsync(_folder, keys);
        Assert.True(s_formats.TryGet(name, out var format));
        string path = Path.Combine(_folder.Path, "keys" + format.Extensions[0]);
        await format.WriteAsync(result, path);

        var raw = Readers.RawKeys(name, path);
        Assert.Equal(keys.Length, raw.Distinct(StringComparer.Ordinal).Count());
        var expected = keys.Select((k, i) => (Encoding.Latin1.GetString(k), (long)(i + 1))).OrderBy(r => r.Item1, StringComparer.Ordinal);
        Assert.Equal(expected, Readers.Read(name, path).OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Contains("k\\xFF", raw);
        Assert.Contains("kÃ©", raw.Select(k => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(k))));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Write_NoKeys_WritesAnEmptyTableConsumersRead(string name)
    {
        var result = await AwkwardData.CountAsync(_folder, []);
        Assert.True(s_formats.TryGet(name, out var format));
        string path = Path.Combine(_folder.Path, "empty" + format.Extensions[0]);
        await format.WriteAsync(result, path);

        Assert.True(File.Exists(path));
        if (name != "jsonl")
        {
            // An empty JSON Lines file is right, but DuckDB cannot infer from it: nothing to read.
            Assert.Empty(Readers.Read(name, path));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Write_Cancelled_LeavesTheExistingFileAndNoTemporaryFile(string name)
    {
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(5, 100));
        Assert.True(s_formats.TryGet(name, out var format));
        string path = Path.Combine(_folder.Path, "kept" + format.Extensions[0]);
        await format.WriteAsync(result, path);
        byte[] before = File.ReadAllBytes(path);
        var files = Directory.GetFiles(_folder.Path).Order().ToList();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => format.WriteAsync(result, path, new CancellationToken(canceled: true)));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(files, Directory.GetFiles(_folder.Path).Order().ToList());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Write_NewPathCancelled_CreatesNothing(string name)
    {
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(6, 100));
        Assert.True(s_formats.TryGet(name, out var format));
        var files = Directory.GetFiles(_folder.Path).Order().ToList();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => format.WriteAsync(result, Path.Combine(_folder.Path, "new" + format.Extensions[0]), new CancellationToken(canceled: true)));

        Assert.Equal(files, Directory.GetFiles(_folder.Path).Order().ToList());
    }

    [Fact]
    public async Task Parquet_RowGroups_HoldAtMostTheirSize()
    {
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(7, 2_000));
        string path = Path.Combine(_folder.Path, "groups.parquet");
        await new ParquetOutputFormat(rowGroupRows: 100).WriteAsync(result, path);

        string quoted = Readers.Quote(path);
        Assert.Equal((result.Count + 99) / 100, Readers.DuckScalar($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata({quoted})"));
        Assert.Equal(100, Readers.DuckScalar($"SELECT max(row_group_num_rows) FROM parquet_metadata({quoted})"));
        Assert.Equal(result.Count, Readers.Read("parquet", path).Count);
        Assert.Equal(Readers.Read("tsv", await WriteTsvAsync(result)), Readers.Read("parquet", path));
    }

    [Fact]
    public async Task Parquet_ToAStreamThatCannotSeek_IsAWholeFile()
    {
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(8, 3_000));
        var pipe = new OneWayStream();
        await new ParquetOutputFormat(rowGroupRows: 500).WriteAsync(result, pipe);
        string path = _folder.Write("piped.parquet", pipe.Written.ToArray());

        Assert.Equal(Readers.Read("tsv", await WriteTsvAsync(result)), Readers.Read("parquet", path));
    }

    [Fact]
    public async Task Parquet_Schema_IsAStringAndAnInt64()
    {
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(9, 10));
        string path = Path.Combine(_folder.Path, "schema.parquet");
        await new ParquetOutputFormat().WriteAsync(result, path);

        var types = Readers.Sqlite(":memory:", "SELECT 'x', 0").Count; // opens SQLite once: it must load beside DuckDB
        Assert.Equal(1, types);
        Assert.Equal(1, Readers.DuckScalar($"SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet({Readers.Quote(path)})) WHERE column_name = 'ngram' AND column_type = 'VARCHAR'"));
        Assert.Equal(1, Readers.DuckScalar($"SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet({Readers.Quote(path)})) WHERE column_name = 'total' AND column_type = 'BIGINT'"));
    }

    private async Task<string> WriteTsvAsync(CountResult result)
    {
        string path = Path.Combine(_folder.Path, Guid.NewGuid().ToString("N") + ".tsv");
        await OutputFormatRegistry.Tsv.WriteAsync(result, path);
        return path;
    }

    /// <summary>A stream that only takes writes, like a pipe: no seeking, no position, no length.</summary>
    private sealed class OneWayStream : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
