using System.Text;

namespace Tally.Cli.Tests;

/// <summary><c>count --cluster ... --reduce-on-nodes P -o DIR/</c>: the parts against a local <c>-o</c>, and the combinations refused.</summary>
public sealed class ReduceOnNodesCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("--reduce-on-nodes 0 -o out/ --cluster 127.0.0.1:1", "--reduce-on-nodes 0: must be at least 1")]
    [InlineData("--reduce-on-nodes 4 -o out/", "--reduce-on-nodes 4: needs --cluster HOST:PORT")]
    [InlineData("--reduce-on-nodes 4 --cluster 127.0.0.1:1", "--reduce-on-nodes 4: needs -o DIR/")]
    [InlineData("--reduce-on-nodes 4 -o - --cluster 127.0.0.1:1", "--reduce-on-nodes 4: needs -o DIR/")]
    [InlineData("--reduce-on-nodes 4 -o parts.tsv --cluster 127.0.0.1:1", "-o parts.tsv is not a folder; end it with / to have it made")]
    [InlineData("--reduce-on-nodes 4 -o out/ --cluster 127.0.0.1:1 --top 5", "cannot be combined with --top")]
    [InlineData("--reduce-on-nodes 4 -o out/ --cluster 127.0.0.1:1 -w a", "cannot be combined with --word")]
    [InlineData("--reduce-on-nodes 4 -o out/ --cluster 127.0.0.1:1 --checkpoint ck", "cannot be combined with --checkpoint")]
    [InlineData("--reduce-on-nodes 4 -o out/ --cluster 127.0.0.1:1 --output-format xlsx", "--output-format xlsx: not one of")]
    public async Task UsageErrors_ExitTwo_InOneLine(string arguments, string message)
    {
        string input = _cli.Write("in.tsv", "a\t2000\t1\t1\n");
        var result = await _cli.RunAsync(["count", .. arguments.Split(' '), input]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_cli.PathOf("out")));
    }

    [Fact]
    public async Task StandardInput_IsRefused_TheNodesCannotReadIt()
    {
        var result = await _cli.RunAsync(["count", "--cluster", "127.0.0.1:1", "--reduce-on-nodes", "2", "-o", _cli.PathOf("out") + "/", "-"], stdin: "a\t2000\t1\t1\n");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("standard input cannot be read by the nodes", result.Error, StringComparison.Ordinal);
    }

    /// <summary>The real tally as every process: three nodes and the coordinator.</summary>
    [ClusterFact]
    public async Task FourPartsOnThreeNodes_ConcatenateToALocalOutput()
    {
        string data = Directory.CreateDirectory(Path.Combine(_cli.Folder, "data")).FullName;
        var random = new Random(16);
        string[] words = ["", "a", "ab", "abc", "b", "é", "日本", "日", "z z", "q,\"x\""];
        for (int i = 0; i < 4; i++)
        {
            var text = new StringBuilder();
            foreach (string word in words)
            {
                text.Append(word).Append('\t').Append(random.Next(1, 100)).Append('\n');
            }

            for (int r = 0; r < 2000; r++)
            {
                text.Append('w').Append(random.Next(5000)).Append(random.Next(3) == 0 ? " é" : "").Append('\t').Append(random.Next(1, 100_000)).Append('\n');
            }

            await File.WriteAllTextAsync(Path.Combine(data, $"f{i}.tsv"), text.ToString());
        }

        string parts = Path.Combine(data, "out");
        int port = LoopbackPort.Free();
        var nodes = Enumerable.Range(0, 3).Select(_ => TallyProcess.StartTool(_cli.Folder, "node", "--join", $"127.0.0.1:{port}", "--allow", data, "--slots", "2")).ToList();
        try
        {
            string[] inputs = [.. Enumerable.Range(0, 4).Select(i => Path.Combine(data, $"f{i}.tsv"))];
            foreach (string format in (string[])["tsv", "csv", "parquet", "sqlite"])
            {
                // A SQLite part refuses to replace another format's file, as a local -o does.
                if (Directory.Exists(parts))
                {
                    Directory.Delete(parts, recursive: true);
                }

                string local = _cli.PathOf($"local.{format}");
                var counted = await _cli.RunAsync(["count", "--format", "tsv", .. inputs, "-o", local, "--quiet"]);
                Assert.Equal(0, counted.ExitCode);

                using var coordinator = TallyProcess.StartTool(_cli.Folder, ["count", "--cluster", $"127.0.0.1:{port}", "--nodes", "3", "--format", "tsv", "--reduce-on-nodes", "4",
                    "-o", parts + "/", "--output-format", format, "--verbose", .. inputs]);
                int exit = await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(180));
                Assert.True(exit == 0, coordinator.Error);

                string[] written = [.. Directory.GetFiles(parts).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
                Assert.Equal(["part-00000", "part-00001", "part-00002", "part-00003"], written);
                if (format is "tsv" or "csv")
                {
                    byte[] concatenated = [.. written.SelectMany(p => File.ReadAllBytes(Path.Combine(parts, p!)))];
                    Assert.Equal(await File.ReadAllBytesAsync(local), concatenated);
                }
                else
                {
                    // Whole files, one per range: their rows in part order are the local file's,
                    // and every part holds some (the splitters cut even ranges).
                    var rows = new List<(string, long)>();
                    foreach (string part in written)
                    {
                        var partRows = await ReadRowsAsync(Path.Combine(parts, part!), format);
                        Assert.NotEmpty(partRows);
                        rows.AddRange(partRows);
                    }

                    var expected = await ReadRowsAsync(local, format);
                    Assert.InRange(expected.Count, 5_000, 10_010);
                    Assert.Equal(expected, rows);
                }

                Assert.Contains("tally: wrote 4 parts to ", coordinator.Error, StringComparison.Ordinal);
                Assert.Contains("in 4 parts) from 4 inputs", coordinator.Error, StringComparison.Ordinal);
                Assert.Contains(": wrote part-00003: ", coordinator.Error, StringComparison.Ordinal);
            }
        }
        finally
        {
            TallyProcess.KillAll(nodes);
        }
    }

    /// <summary>The (ngram, total) rows of a Parquet or SQLite file written by <c>-o</c>, in the file's order.</summary>
    private static async Task<List<(string, long)>> ReadRowsAsync(string path, string format)
    {
        var rows = new List<(string, long)>();
        if (format == "parquet")
        {
            await using var reader = await Parquet.ParquetReader.CreateAsync(path);
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["ngram", "total"], fields.Select(f => f.Name));
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var ngrams = new string?[group.RowCount];
                var totals = new long[group.RowCount];
                await group.ReadAsync(fields[0], ngrams.AsMemory());
                await group.ReadAsync(fields[1], totals.AsMemory());
                rows.AddRange(ngrams.Zip(totals, (n, t) => (n!, t)));
            }

            return rows;
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT ngram, total FROM totals";
        using var result = command.ExecuteReader();
        while (result.Read())
        {
            rows.Add((result.GetString(0), result.GetInt64(1)));
        }

        return rows;
    }
}
