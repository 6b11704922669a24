using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Parquet;
using SkiaSharp;
using Tally.Formats.Filters;
using Tally.Series;
using Tally.Sources;

namespace Tally.Cli.Tests;

/// <summary>
/// <c>tally series</c> as a user meets it: the wide table on stdout, the long form with <c>-o</c>,
/// the chart, the words file, the exit codes, against hand-written answers, the library
/// (<see cref="SeriesJob"/>) on the same files, and the Ngram Viewer's own numbers.
/// </summary>
public sealed class SeriesCommandTests : IDisposable
{
    /// <summary>A tiny model in v2 rows: a case variant, a tagged row, a 2-gram, years with gaps.</summary>
    private const string TinyV2 = "apple\t1999\t2\t1\napple\t2001\t5\t2\nApple\t2001\t1\t1\napple_NOUN\t2001\t4\t1\nbanana\t2000\t7\t3\nfor ever\t2000\t3\t1\n";

    /// <summary>The same model in v3 rows.</summary>
    private const string TinyV3 = "apple\t1999,2,1\t2001,5,2\nApple\t2001,1,1\napple_NOUN\t2001,4,1\nbanana\t2000,7,3\nfor ever\t2000,3,1\n";

    /// <summary>1-gram totals for the tiny model: one line of TAB-led records, as Google writes them.</summary>
    private const string TinyTotals = " \t1999,10,1,1\t2000,20,1,1\t2001,40,1,1\n";

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);
    private static readonly string[] s_tinyWords = ["-w", "apple", "-w", "apple_NOUN", "-w", "banana", "-w", "cherry", "-w", "for ever"];

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>The repository's bundled real rows (samples-real/), found above the test binaries.</summary>
    private static string Sample(string name) => Path.Combine(Above("samples-real"), name);

    /// <summary>A file of ../shared/realdata (beside the clone, as CI and the worktrees lay it out).</summary>
    private static string RealData(params string[] parts) => Path.Combine([Above(Path.Combine("shared", "realdata")), .. parts]);

    private static string Above(string relative)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"no {relative} above {AppContext.BaseDirectory}");
    }

    /// <summary>The wide table: its header's cells, then each row's cells, year first.</summary>
    private static (string[] Header, List<string[]> Rows) Wide(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (lines[0].Split('\t'), [.. lines.Skip(1).Select(l => l.Split('\t'))]);
    }

    private static async Task<SeriesResult> LibraryAsync(IEnumerable<string> paths, SeriesQuery query)
        => await SeriesJob.Start([.. paths.Select(DataSource.FromFile)], query).Result.WaitAsync(s_timeout);

    private static void AssertOneLineError(CliResult run, int code, string contains)
    {
        Assert.Equal(code, run.ExitCode);
        Assert.Equal("", run.Out);
        string[] lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{run.Error}");
        Assert.StartsWith("tally: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(contains, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    // ---- 1. The wide table ----

    [Fact]
    public async Task Wide_TinyV2_IsTheHandWrittenTable()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);

        var run = await _cli.RunAsync(["series", input, .. s_tinyWords, "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            "year\tapple\tapple_NOUN\tbanana\tcherry\tfor ever\n"
            + "1999\t2\t0\t0\t0\t0\n"
            + "2000\t0\t0\t7\t0\t3\n"
            + "2001\t5\t4\t0\t0\t0\n",
            run.Out);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Wide_WithTinyTotals_IsTheHandWrittenFractions()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        string totals = _cli.Write("tiny-totalcounts-1", TinyTotals);

        var run = await _cli.RunAsync(["series", input, "-w", "apple", "-w", "banana", "-w", "cherry", "--totals", totals, "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        var (header, rows) = Wide(run.Out);
        Assert.Equal(["year", "apple", "banana", "cherry"], header);
        Assert.Equal(["1999", "2000", "2001"], rows.Select(r => r[0]));
        double[][] expected = [[2.0 / 10, 0, 0], [0, 7.0 / 20, 0], [5.0 / 40, 0, 0]];
        for (int y = 0; y < 3; y++)
        {
            Assert.Equal(expected[y], rows[y].Skip(1).Select(c => double.Parse(c, CultureInfo.InvariantCulture)));
        }

        Assert.Equal("0", rows[0][2]);
    }

    /// <summary>Real rows, real totals: every cell parses back to exactly the double the library computes, and counts are integers.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Wide_RealRows_AreTheLibrarysValuesExactly(bool totals)
    {
        string[] inputs = [Sample("forever-1.tsv"), Sample("forevermore-1.tsv")];
        string[] args = ["series", .. inputs, "-w", "forever", "-w", "forevermore", "-w", "never-seen", "--years", "1700-2019", "--quiet"];
        if (totals)
        {
            args = [.. args, "--totals", Sample("eng-totalcounts-1")];
        }

        var run = await _cli.RunAsync(args);
        var library = await LibraryAsync(inputs, new SeriesQuery
        {
            Words = ["forever", "forevermore", "never-seen"],
            Filter = NgramFilter.Parse("years=1700-2019"),
            Totals = totals ? [TotalCounts.Read(Sample("eng-totalcounts-1"))] : [],
        });

        Assert.Equal(0, run.ExitCode);
        var (header, rows) = Wide(run.Out);
        Assert.Equal(["year", "forever", "forevermore", "never-seen"], header);
        Assert.Equal(320, rows.Count);
        Assert.Equal(Enumerable.Range(1700, 320).Select(y => y.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r[0]));
        for (int s = 0; s < 3; s++)
        {
            var series = library.Series[s];
            for (int i = 0; i < rows.Count; i++)
            {
                string cell = rows[i][s + 1];
                if (totals)
                {
                    Assert.Equal(series.RelativeFrequencies![i], double.Parse(cell, CultureInfo.InvariantCulture));
                }
                else
                {
                    Assert.Equal(series.MatchCounts[i].ToString(CultureInfo.InvariantCulture), cell);
                }
            }
        }

        Assert.True(library.Series[0].TotalMatchCount > 0);
        Assert.All(rows, r => Assert.Equal("0", r[3]));
    }

    // ---- 2. Against the Ngram Viewer ----

    /// <summary>The real v3 row of "forever" over the real English totals, through the CLI: the Viewer's 520 values (1500-2019, smoothing 0), zeros included.</summary>
    [Fact]
    public async Task Forever_WithRealTotals_MatchesTheNgramViewer()
    {
        using var viewer = JsonDocument.Parse(File.ReadAllBytes(RealData("viewer", "viewer-eng_2019-s0-case-sensitive.json")));
        double[] expected = [.. viewer.RootElement.EnumerateArray().Single(e => e.GetProperty("ngram").GetString() == "forever:eng_2019")
            .GetProperty("timeseries").EnumerateArray().Select(v => v.GetDouble())];
        Assert.Equal(520, expected.Length);

        var run = await _cli.RunAsync(["series", Sample("forever-1.tsv"), "-w", "forever", "--totals", Sample("eng-totalcounts-1"), "--years", "1500-2019", "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        var (header, rows) = Wide(run.Out);
        Assert.Equal(["year", "forever"], header);
        Assert.Equal(520, rows.Count);
        for (int i = 0; i < 520; i++)
        {
            Assert.Equal((1500 + i).ToString(CultureInfo.InvariantCulture), rows[i][0]);
            double actual = double.Parse(rows[i][1], CultureInfo.InvariantCulture);
            if (expected[i] == 0)
            {
                Assert.True(actual == 0, $"{1500 + i}: tally {actual}, viewer 0");
            }
            else
            {
                Assert.True(Math.Abs(actual - expected[i]) / expected[i] < 1e-6, $"{1500 + i}: tally {actual}, viewer {expected[i]}");
            }
        }

        Assert.Contains(expected, v => v == 0);
    }

    /// <summary>Real v2 rows over the real 2012 totals: each value is the row's match_count over the year's total, both read from the files here.</summary>
    [Fact]
    public async Task RealV2Rows_WithTheV2Totals_AreCountOverTotal()
    {
        string rows = RealData("v2-eng-1gram-20120701-1-years1800-1999.tsv");
        string totalsPath = RealData("googlebooks-eng-all-totalcounts-20120701.txt");
        var counts = File.ReadLines(rows).Select(l => l.Split('\t')).Where(f => f[0] is "1817" or "1900" && long.Parse(f[1], CultureInfo.InvariantCulture) is >= 1810 and <= 1819)
            .ToDictionary(f => (f[0], long.Parse(f[1], CultureInfo.InvariantCulture)), f => long.Parse(f[2], CultureInfo.InvariantCulture));
        var totals = File.ReadAllText(totalsPath).Split(['\t', '\n', ' ', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split(','))
            .ToDictionary(r => long.Parse(r[0], CultureInfo.InvariantCulture), r => long.Parse(r[1], CultureInfo.InvariantCulture));

        var run = await _cli.RunAsync(["series", rows, "-w", "1817", "-w", "1900", "--totals", totalsPath, "--years", "1810-1819", "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        var (header, table) = Wide(run.Out);
        Assert.Equal(["year", "1817", "1900"], header);
        Assert.Equal(10, table.Count);
        foreach (var row in table)
        {
            long year = long.Parse(row[0], CultureInfo.InvariantCulture);
            for (int s = 0; s < 2; s++)
            {
                double expected = (double)counts.GetValueOrDefault((header[s + 1], year)) / totals[year];
                Assert.Equal(expected, double.Parse(row[s + 1], CultureInfo.InvariantCulture));
            }
        }

        Assert.Contains(table, r => r[1] != "0");
    }

    // ---- 3. v2 and v3, formats and filters ----

    /// <summary>The expected tables of the tiny model under each filter, written by hand.</summary>
    public static TheoryData<string, string> FilterCases() => new()
    {
        { "", "1999\t2\t0\t0\t0\t0\n2000\t0\t0\t7\t0\t3\n2001\t5\t4\t0\t0\t0\n" },
        { "--tags drop", "1999\t2\t0\t0\t0\t0\n2000\t0\t0\t7\t0\t3\n2001\t5\t0\t0\t0\t0\n" },
        { "--years 2000-2002", "2000\t0\t0\t7\t0\t3\n2001\t5\t4\t0\t0\t0\n2002\t0\t0\t0\t0\t0\n" },
        { "--ignore-case", "1999\t2\t0\t0\t0\t0\n2000\t0\t0\t7\t0\t3\n2001\t6\t4\t0\t0\t0\n" },
        { "--ignore-case --tags drop --years 2001-2001", "2001\t6\t0\t0\t0\t0\n" },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public async Task V2AndV3_InEveryFormatChoice_GiveTheHandWrittenTable(string filter, string expectedRows)
    {
        string v2 = _cli.Write("tiny-v2.tsv", TinyV2);
        string v3 = _cli.Write("tiny-v3.tsv", TinyV3);
        string[] options = filter.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string header = filter.Contains("--ignore-case", StringComparison.Ordinal)
            ? "year\tapple\tapple_noun\tbanana\tcherry\tfor ever\n"
            : "year\tapple\tapple_NOUN\tbanana\tcherry\tfor ever\n";

        foreach (var (input, format) in new[] { (v2, "auto"), (v2, "ngram-v2"), (v3, "auto"), (v3, "ngram-v3") })
        {
            var run = await _cli.RunAsync(["series", input, .. s_tinyWords, "--format", format, .. options, "--quiet"]);

            Assert.True(run.ExitCode == 0, $"{format} on {Path.GetFileName(input)}: {run.Error}");
            Assert.Equal(header + expectedRows, run.Out);
        }

        // Both at once: each file is read in its own format, and the counts add up.
        var both = await _cli.RunAsync(["series", v2, v3, .. s_tinyWords, .. options, "--quiet"]);
        Assert.Equal(0, both.ExitCode);
        var doubled = expectedRows.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(r => string.Join('\t', r.Split('\t').Select((c, i) => i == 0 ? c : (2 * long.Parse(c, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture))) + "\n");
        Assert.Equal(header + string.Concat(doubled), both.Out);
    }

    [Fact]
    public async Task IgnoreCase_LabelsTheFoldedForm_AndSumsTheVariants_WhateverCaseIsAsked()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);

        var run = await _cli.RunAsync(["series", input, "-w", "APPLE", "-w", "Apple", "-i", "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("year\tapple\n1999\t2\n2000\t0\n2001\t6\n", run.Out);
    }

    [Fact]
    public async Task WrongFormatForced_IsBadData()
    {
        string v2 = _cli.Write("tiny-v2.tsv", TinyV2);
        string v3 = _cli.Write("tiny-v3.tsv", TinyV3);

        var asV3 = await _cli.RunAsync(["series", v2, "-w", "apple", "--format", "ngram-v3", "--quiet"]);
        var asV2 = await _cli.RunAsync(["series", v3, "-w", "apple", "--format", "ngram-v2", "--quiet"]);
        var unknown = await _cli.RunAsync(["series", v2, "-w", "apple", "--format", "tsv", "--quiet"]);

        Assert.Equal(1, asV3.ExitCode);
        Assert.Contains("tiny-v2.tsv:1:", asV3.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, asV2.ExitCode);
        Assert.Contains("tiny-v3.tsv", asV2.Error, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--format", unknown.Error, StringComparison.Ordinal);
    }

    /// <summary>The same generated model written as v2 and as v3 gives the same series, and the library's.</summary>
    [Fact]
    public async Task GeneratedModel_V2AndV3_GiveTheSameSeries()
    {
        string v2 = _cli.PathOf("gen-v2.tsv");
        string v3 = _cli.PathOf("gen-v3.tsv");
        Assert.Equal(0, (await _cli.RunAsync(["gen", "-o", v2, "--plain", "--rows", "4000", "--base-words", "60", "--seed", "9"])).ExitCode);
        Assert.Equal(0, (await _cli.RunAsync(["gen", "-o", v3, "--plain", "--rows", "4000", "--base-words", "60", "--seed", "9", "--format", "v3"])).ExitCode);
        string[] words = [.. File.ReadLines(v2).Select(l => l.Split('\t')[0]).Distinct(StringComparer.Ordinal).Where((_, i) => i % 9 == 0).Take(6), "absent"];
        string[] wordArgs = [.. words.SelectMany(w => new[] { "-w", w })];

        foreach (string[] options in new[] { Array.Empty<string>(), ["-i"], ["--tags", "drop", "--years", "1900-1950"] })
        {
            var fromV2 = await _cli.RunAsync(["series", v2, .. wordArgs, .. options, "--quiet"]);
            var fromV3 = await _cli.RunAsync(["series", v3, .. wordArgs, .. options, "--quiet"]);

            Assert.Equal(0, fromV2.ExitCode);
            Assert.Equal(fromV2.Out, fromV3.Out);
            Assert.True(Wide(fromV2.Out).Rows.Count > 1);
        }

        var library = await LibraryAsync([v2], new SeriesQuery { Words = words });
        var plain = Wide((await _cli.RunAsync(["series", v2, .. wordArgs, "--quiet"])).Out);
        Assert.Equal(library.FirstYear.ToString(CultureInfo.InvariantCulture), plain.Rows[0][0]);
        for (int s = 0; s < words.Length; s++)
        {
            Assert.Equal(library.Series[s].MatchCounts.Select(c => c.ToString(CultureInfo.InvariantCulture)), plain.Rows.Select(r => r[s + 1]));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Smoothing_IsTheLibrarysSmoothingOfTheYearlyValues(bool totals)
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        string totalsPath = _cli.Write("tiny-totalcounts-1", TinyTotals);
        string[] args = ["series", input, "-w", "apple", "-w", "banana", "--smoothing", "1", "--years", "1999-2001", "--quiet"];

        var run = await _cli.RunAsync(totals ? [.. args, "--totals", totalsPath] : args);

        Assert.Equal(0, run.ExitCode);
        var (_, rows) = Wide(run.Out);
        double[] apple = totals ? [2.0 / 10, 0, 5.0 / 40] : [2, 0, 5];
        double[] banana = totals ? [0, 7.0 / 20, 0] : [0, 7, 0];
        Assert.Equal(Smoothing.Smooth(apple, 1), rows.Select(r => double.Parse(r[1], CultureInfo.InvariantCulture)));
        Assert.Equal(Smoothing.Smooth(banana, 1), rows.Select(r => double.Parse(r[2], CultureInfo.InvariantCulture)));

        // By hand: the edges average two years, the middle three.
        Assert.Equal((apple[0] + apple[1]) / 2, double.Parse(rows[0][1], CultureInfo.InvariantCulture));
        Assert.Equal((banana[0] + banana[1] + banana[2]) / 3, double.Parse(rows[1][2], CultureInfo.InvariantCulture));
    }

    // ---- 4. -o in each format ----

    public static TheoryData<string, bool, bool> OutputCases()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string name in new[] { "out.tsv", "out.csv", "out.jsonl", "out.parquet", "out.sqlite" })
        {
            data.Add(name, false, false);
            data.Add(name, true, true);
        }

        data.Add("out.csv", true, false);
        data.Add("out.jsonl", false, true);
        return data;
    }

    /// <summary>The long form, read back: columns ngram, year, match_count [, relative_frequency] [, smoothed], a row per (ngram, year), the library's values.</summary>
    [Theory]
    [MemberData(nameof(OutputCases))]
    public async Task Output_EachFormat_IsTheLongForm(string name, bool totals, bool smoothing)
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        string totalsPath = _cli.Write("tiny-totalcounts-1", TinyTotals);
        string output = _cli.PathOf(name);
        string[] args = ["series", input, "-w", "apple", "-w", "banana", "-o", output, "--quiet"];
        args = [.. args, .. totals ? new[] { "--totals", totalsPath } : [], .. smoothing ? new[] { "--smoothing", "1" } : []];

        var run = await _cli.RunAsync(args);

        Assert.Equal(0, run.ExitCode);
        string[] expectedNames = ["ngram", "year", "match_count", .. totals ? new[] { "relative_frequency" } : [], .. smoothing ? new[] { "smoothed" } : []];
        var (names, rows) = await ReadLongAsync(output);
        Assert.Equal(expectedNames, names);

        var library = await LibraryAsync([input], new SeriesQuery
        {
            Words = ["apple", "banana"],
            Totals = totals ? [TotalCounts.Read(totalsPath)] : [],
            Smoothing = smoothing ? 1 : 0,
        });
        var expected = new List<string[]>();
        foreach (var series in library.Series)
        {
            for (int i = 0; i < library.YearCount; i++)
            {
                var row = new List<string> { series.Ngram, (library.FirstYear + i).ToString(CultureInfo.InvariantCulture), series.MatchCounts[i].ToString(CultureInfo.InvariantCulture) };
                if (totals)
                {
                    row.Add(R(series.RelativeFrequencies![i]));
                }

                if (smoothing)
                {
                    row.Add(R(series.Smoothed![i]));
                }

                expected.Add([.. row]);
            }
        }

        Assert.Equal(6, expected.Count);
        Assert.Equal(expected, rows);

        // The wide table still goes to stdout when -o names a file.
        Assert.StartsWith("year\tapple\tbanana\n", run.Out, StringComparison.Ordinal);
    }

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Cell(string text, bool real)
        => real ? R(double.Parse(text, CultureInfo.InvariantCulture)) : text;

    /// <summary>Reads a long-form file back as text cells (reals in their round-trip form): TSV, CSV and JSON Lines parsed here, Parquet with Parquet.Net, SQLite with SQLite.</summary>
    private static async Task<(List<string> Names, List<string[]> Rows)> ReadLongAsync(string path)
    {
        switch (Path.GetExtension(path))
        {
            case ".tsv":
            case ".csv":
                {
                    char separator = path.EndsWith(".tsv", StringComparison.Ordinal) ? '\t' : ',';
                    var lines = (await File.ReadAllTextAsync(path)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
                    var names = lines[0].Split(separator).ToList();
                    return (names, [.. lines.Skip(1).Select(l => l.Split(separator).Select((c, i) => Cell(c, i >= 3)).ToArray())]);
                }

            case ".jsonl":
                {
                    List<string>? names = null;
                    var rows = new List<string[]>();
                    foreach (string line in File.ReadLines(path))
                    {
                        using var row = JsonDocument.Parse(line);
                        var properties = row.RootElement.EnumerateObject().ToList();
                        names ??= [.. properties.Select(p => p.Name)];
                        rows.Add([.. properties.Select(p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()).Select((c, i) => Cell(c, i >= 3))]);
                    }

                    return (names!, rows);
                }

            case ".parquet":
                {
                    await using var reader = await ParquetReader.CreateAsync(path);
                    var fields = reader.Schema.GetDataFields();
                    var columns = new List<string[]>();
                    using var group = reader.OpenRowGroupReader(0);
                    int count = (int)group.RowCount;
                    Assert.Equal(1, reader.RowGroupCount);
                    foreach (var field in fields)
                    {
                        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
                        {
                            var texts = new string?[count];
                            await group.ReadAsync(field, texts.AsMemory());
                            columns.Add([.. texts.Select(t => t ?? "(null)")]);
                        }
                        else if (field.ClrType == typeof(long))
                        {
                            var values = new long[count];
                            await group.ReadAsync(field, values.AsMemory());
                            columns.Add([.. values.Select(v => v.ToString(CultureInfo.InvariantCulture))]);
                        }
                        else
                        {
                            Assert.Equal(typeof(double), field.ClrType);
                            var values = new double[count];
                            await group.ReadAsync(field, values.AsMemory());
                            columns.Add([.. values.Select(R)]);
                        }
                    }

                    return ([.. fields.Select(f => f.Name)], [.. Enumerable.Range(0, count).Select(r => columns.Select(c => c[r]).ToArray())]);
                }

            case ".sqlite":
                {
                    using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
                    connection.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "SELECT * FROM series ORDER BY rowid";
                    using var reader = command.ExecuteReader();
                    var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
                    var rows = new List<string[]>();
                    while (reader.Read())
                    {
                        rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
                    {
                        double d => R(d),
                        long l => l.ToString(CultureInfo.InvariantCulture),
                        var other => Convert.ToString(other, CultureInfo.InvariantCulture)!,
                    })]);
                    }

                    return (names, rows);
                }

            default:
                throw new ArgumentException(path);
        }
    }

    [Fact]
    public async Task Output_Dash_WritesTheLongFormToStandardOutput_InsteadOfTheWideTable()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        using var tally = TallyProcess.Start(_cli.Folder, ["series", input, "-w", "apple", "-w", "cherry", "-o", "-", "--quiet"]);

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(
            ["ngram\tyear\tmatch_count", "apple\t1999\t2", "apple\t2000\t0", "apple\t2001\t5", "cherry\t1999\t0", "cherry\t2000\t0", "cherry\t2001\t0"],
            tally.OutputLines);

        using var csv = TallyProcess.Start(_cli.Folder, ["series", input, "-w", "apple", "-o", "-", "--output-format", "csv", "--quiet"]);
        Assert.Equal(0, await csv.WaitForExitAsync(s_timeout));
        Assert.Equal("ngram,year,match_count", csv.OutputLines[0].TrimEnd('\r'));
        Assert.Equal(4, csv.OutputLines.Length);
    }

    // ---- 5. Charts ----

    [Fact]
    public async Task Chart_SvgAndPng_AreWritten()
    {
        string[] inputs = [Sample("forever-1.tsv"), Sample("forevermore-1.tsv")];
        string svg = _cli.PathOf("chart.svg");
        string png = _cli.PathOf("chart.PNG");
        string[] args = ["series", .. inputs, "-w", "forever", "-w", "forevermore", "--totals", Sample("eng-totalcounts-1"), "--years", "1800-2019", "--smoothing", "3", "--quiet"];

        var toSvg = await _cli.RunAsync([.. args, "--chart", svg]);
        var toPng = await _cli.RunAsync([.. args, "--chart", png, "--per-million"]);

        Assert.Equal(0, toSvg.ExitCode);
        Assert.Equal(0, toPng.ExitCode);
        var texts = System.Xml.Linq.XDocument.Load(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("forever", texts);
        Assert.Contains("forevermore", texts);
        using var image = SKBitmap.Decode(png);
        Assert.NotNull(image);
        Assert.Equal((1200, 600), (image.Width, image.Height));

        // The table is printed as well.
        Assert.Equal(toSvg.Out, toPng.Out);
        Assert.Equal(220, Wide(toSvg.Out).Rows.Count);
    }

    [Theory]
    [InlineData("chart.gif")]
    [InlineData("chart")]
    public async Task Chart_BadExtension_ExitsTwo_AndWritesNothing(string name)
    {
        string input = _cli.Write("tiny.tsv", TinyV2);

        var run = await _cli.RunAsync(["series", input, "-w", "apple", "--chart", _cli.PathOf(name)]);

        AssertOneLineError(run, 2, "--chart");
        Assert.False(File.Exists(_cli.PathOf(name)));
    }

    /// <summary>A chart that cannot be written fails before any work, naming --chart, as -o does.</summary>
    [Fact]
    public async Task Chart_InAMissingFolderOrOnAFolder_FailsFirst_NamingTheFlag()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        Directory.CreateDirectory(_cli.PathOf("taken.svg"));

        var missing = await _cli.RunAsync(["series", input, "-w", "apple", "--chart", _cli.PathOf("nowhere/c.svg")]);
        var folder = await _cli.RunAsync(["series", input, "-w", "apple", "--chart", _cli.PathOf("taken.svg")]);

        AssertOneLineError(missing, 3, $"--chart {_cli.PathOf("nowhere/c.svg")}: the folder {_cli.PathOf("nowhere")} does not exist");
        AssertOneLineError(folder, 2, $"--chart {_cli.PathOf("taken.svg")}: is a folder");
    }

    [Fact]
    public async Task PerMillion_WithoutChartOrTotals_ExitsTwo()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);

        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--per-million"]), 2, "--per-million");
        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--per-million", "--chart", _cli.PathOf("c.svg")]), 2, "--per-million");
    }

    // ---- 6. --words-file ----

    /// <summary>One query per line, blank lines skipped, CRLF and spaces at the ends taken off, bytes that are not UTF-8 kept: the same table as the same words given with -w.</summary>
    [Fact]
    public async Task WordsFile_GivesWhatTheSameWordsWithDashWGive()
    {
        File.WriteAllBytes(_cli.PathOf("rows.tsv"), [.. "caf"u8, 0xE9, .. "\t2000\t3\t1\nfor ever\t2000\t5\t1\nplain\t2001\t2\t1\n"u8]);
        File.WriteAllBytes(_cli.PathOf("words.txt"), [.. "caf"u8, 0xE9, .. "\r\n\r\n   \nfor ever\r\n\n  plain \r\nabsent"u8]);

        using var fromFile = TallyProcess.Start(_cli.Folder, ["series", "rows.tsv", "--words-file", "words.txt", "--quiet"]);
        using var fromArgs = TallyProcess.StartInShell(_cli.Folder, "series rows.tsv -w \"$(printf 'caf\\351')\" -w 'for ever' -w plain -w absent --quiet");

        Assert.Equal(0, await fromFile.WaitForExitAsync(s_timeout));
        Assert.Equal(0, await fromArgs.WaitForExitAsync(s_timeout));
        byte[][] expected =
        [
            [.. "year\tcaf"u8, 0xE9, .. "\tfor ever\tplain\tabsent"u8],
            [.. "2000\t3\t5\t0\t0"u8],
            [.. "2001\t0\t0\t2\t0"u8],
        ];
        Assert.Equal(expected, fromFile.OutputLineBytes);
        Assert.Equal(expected, fromArgs.OutputLineBytes);
    }

    [Fact]
    public async Task WordsFile_WithDashW_FollowsBoth()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        string words = _cli.Write("words.txt", "banana\n");

        var run = await _cli.RunAsync(["series", input, "-w", "apple", "--words-file", words, "--quiet"]);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("year\tapple\tbanana\n", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WordsFile_MissingExitsThree_EmptyExitsTwo()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        string empty = _cli.Write("empty.txt", "\n  \r\n");

        AssertOneLineError(await _cli.RunAsync(["series", input, "--words-file", _cli.PathOf("missing.txt")]), 3, "--words-file");
        AssertOneLineError(await _cli.RunAsync(["series", input, "--words-file", empty]), 2, "--words-file");
    }

    // ---- 7. Exit codes and messages ----

    /// <summary>A query spaced as no ngram row is could only give zeros: it is refused, naming it.</summary>
    [Theory]
    [InlineData("apple ")]
    [InlineData(" apple")]
    [InlineData("for  ever")]
    public async Task Word_SpacedAsNoNgramIs_ExitsTwo(string word)
    {
        string input = _cli.Write("tiny.tsv", TinyV2);

        var run = await _cli.RunAsync(["series", input, "-w", word]);

        AssertOneLineError(run, 2, $"-w (or --words-file) \"{word}\": an ngram to look up has its words separated by single spaces");
    }

    /// <summary>A file that is plainly not Ngram rows is named before any work, with a hint that fits series (which has no other format to offer).</summary>
    [Fact]
    public async Task NotNgramRows_IsNamed_WithASeriesHint()
    {
        string csv = _cli.Write("table.csv", "a,b,c\n1,2,3\n");
        string input = _cli.Write("tiny.tsv", TinyV2);

        var run = await _cli.RunAsync(["series", input, csv, "-w", "apple"]);
        var leftOut = await _cli.RunAsync(["series", input, csv, "-w", "apple", "--skip-bad-files", "--quiet"]);

        AssertOneLineError(run, 1, "looks like CSV");
        Assert.Contains("tally series reads Google Books Ngram v2 or v3 rows", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--format tsv", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, leftOut.ExitCode);
        Assert.Equal("year\tapple\n1999\t2\n2000\t0\n2001\t5\n", leftOut.Out);
        Assert.Contains("left out", leftOut.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageErrors_ExitTwo_WithOneLineNamingTheFlag()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);

        AssertOneLineError(await _cli.RunAsync(["series", input]), 2, "-w");
        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--smoothing", "-1"]), 2, "--smoothing");
        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--smoothing", "1001"]), 2, "--smoothing");
        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--years", "1-200000"]), 2, "--years");
        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "a\tb"]), 2, "-w");

        // A value the parser rejects: its line names the flag, then the hint count gives too.
        var notANumber = await _cli.RunAsync(["series", input, "-w", "apple", "--smoothing", "x"]);
        Assert.Equal(2, notANumber.ExitCode);
        Assert.Equal(["tally: --smoothing x: expected a whole number, like 10", "Try 'tally series --help'."], notANumber.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task TotalsFileMissing_ExitsThree()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);

        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--totals", _cli.PathOf("totalcounts-1")]), 3, "--totals");
        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--totals", _cli.Folder]), 3, $"--totals {_cli.Folder}: is a folder");
        AssertOneLineError(await _cli.RunAsync(["series", input, "--words-file", _cli.Folder]), 3, $"--words-file {_cli.Folder}: is a folder");
    }

    [Fact]
    public async Task MalformedTotals_ExitsOne_NamingFileLineAndRecord()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        string totals = _cli.Write("bad-totalcounts-1", " \t1999,10,1,1\n2000,x,1,1\n");

        AssertOneLineError(await _cli.RunAsync(["series", input, "-w", "apple", "--totals", totals]), 1, $"{totals}:2: record 2: \"2000,x,1,1\"");
    }

    [Fact]
    public async Task TotalsForAnotherN_ExitsTwo_NamingTheTotalsNeeded()
    {
        var run = await _cli.RunAsync(["series", Sample("for-ever-2.tsv"), "-w", "for ever", "--totals", Sample("eng-totalcounts-1")]);

        AssertOneLineError(run, 2, "totalcounts-2");
        Assert.Contains("--totals", run.Error, StringComparison.Ordinal);

        // Declared for a length its name contradicts.
        AssertOneLineError(await _cli.RunAsync(["series", Sample("for-ever-2.tsv"), "-w", "for ever", "--totals", "2=" + Sample("eng-totalcounts-1")]), 2, "--totals");
    }

    [Fact]
    public async Task CountInAYearTheTotalsLack_ExitsOne_NamingTheYear()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        string totals = _cli.Write("tiny-totalcounts-1", " \t2000,20,1,1\t2001,40,1,1\n");

        var run = await _cli.RunAsync(["series", input, "-w", "apple", "--totals", totals, "--years", "1990-2001"]);

        AssertOneLineError(run, 1, "1999");

        // A year with no total and no count is 0, as in the Viewer.
        var fine = await _cli.RunAsync(["series", input, "-w", "banana", "--totals", totals, "--years", "1990-2001", "--quiet"]);
        Assert.Equal(0, fine.ExitCode);
        Assert.Contains("1999\t0\n", fine.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedRow_ExitsOne_WithPathAndLine_AsCountDoes()
    {
        string input = _cli.Write("bad.tsv", TinyV2 + "no tabs here\n");

        var series = await _cli.RunAsync(["series", input, "-w", "apple"]);
        var count = await _cli.RunAsync(["count", input, "-w", "apple"]);

        AssertOneLineError(series, 1, $"{input}:7: ");
        Assert.Equal(1, count.ExitCode);
        Assert.Equal(count.Error, series.Error);
    }

    [Fact]
    public async Task SkipBad_SkipsAndReports_AsCountDoes()
    {
        string input = _cli.Write("bad.tsv", TinyV2 + "no tabs here\n");

        var series = await _cli.RunAsync(["series", input, "-w", "apple", "--skip-bad", "--quiet"]);
        var count = await _cli.RunAsync(["count", input, "-w", "apple", "--skip-bad", "--quiet"]);

        Assert.Equal(0, series.ExitCode);
        Assert.Equal("year\tapple\n1999\t2\n2000\t0\n2001\t5\n", series.Out);
        Assert.Contains("skipped 1 malformed row", series.Error, StringComparison.Ordinal);
        Assert.Equal(count.Error, series.Error);
    }

    // ---- 8. Executors and checkpoints ----

    [Fact]
    public async Task ProcessesExecutor_GivesWhatThreadsGive()
    {
        string v2 = _cli.Write("tiny-v2.tsv", TinyV2);
        string v3 = _cli.Write("tiny-v3.tsv", TinyV3);
        string totals = _cli.Write("tiny-totalcounts-1", TinyTotals);
        string[] args = ["series", v2, v3, "-w", "apple", "-w", "banana", "-w", "cherry", "-i", "--totals", totals, "--smoothing", "1", "--quiet"];

        var threads = await _cli.RunAsync([.. args, "--executor", "threads"]);
        var processes = await _cli.RunAsync([.. args, "--executor", "processes", "-t", "2"]);

        Assert.Equal(0, threads.ExitCode);
        Assert.True(processes.ExitCode == 0, processes.Error);
        Assert.Equal(threads.Out, processes.Out);
    }

    [Fact]
    public async Task Checkpoint_RerunResumes_AndOtherWordsDoNotReuseIt()
    {
        string a = _cli.Write("a.tsv", TinyV2);
        string b = _cli.Write("b.tsv", TinyV3);
        string folder = _cli.PathOf("checkpoints");
        string[] common = ["series", a, b, "--checkpoint", folder, "-v"];

        var first = await _cli.RunAsync([.. common, "-w", "apple", "-w", "banana"]);
        var again = await _cli.RunAsync([.. common, "-w", "apple", "-w", "banana"]);
        var other = await _cli.RunAsync([.. common, "-w", "apple", "-w", "for ever"]);
        var plain = await _cli.RunAsync(["series", a, b, "-w", "apple", "-w", "for ever", "--quiet"]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(first.Out, again.Out);
        Assert.Equal("year\tapple\tbanana\n1999\t4\t0\n2000\t0\t14\n2001\t10\t0\n", again.Out);
        Assert.Equal(2, again.Error.Split('\n').Count(l => l.Contains("resumed from its checkpoint", StringComparison.Ordinal)));

        Assert.Equal(0, other.ExitCode);
        Assert.DoesNotContain("resumed from its checkpoint", other.Error, StringComparison.Ordinal);
        Assert.Contains("counted again", other.Error, StringComparison.Ordinal);
        Assert.Equal(plain.Out, other.Out);

        // Thousands of words: the line saying why the checkpoint is not used stays a line.
        string words = _cli.Write("words.txt", string.Concat(Enumerable.Range(0, 2000).Select(i => $"word{i}\n")));
        var many = await _cli.RunAsync([.. common, "--words-file", words]);
        Assert.Equal(0, many.ExitCode);
        Assert.Contains("counted again", many.Error, StringComparison.Ordinal);
        Assert.All(many.Error.Split('\n'), l => Assert.True(l.Length < 400, $"{l.Length} characters: {l[..Math.Min(l.Length, 400)]}"));
    }

    /// <summary>SIGINT mid-job: exit 130 with count's one line, no -o file, no chart, no table.</summary>
    [Fact]
    public async Task Sigint_MidJob_Exits130_AndWritesNothing()
    {
        string input = _cli.Write("tiny.tsv", TinyV2);
        using var tally = TallyProcess.Start(_cli.Folder, ["series", input, "-", "-w", "apple", "-o", "out.csv", "--chart", "c.svg", "--verbose"]);

        // The file is read; standard input, short of a block and still open, holds the job.
        tally.WriteInput("apple\t2000\t1\t1\n"u8.ToArray(), close: false);
        await TallyProcess.PollAsync(() => tally.ErrorLines.Any(l => l.StartsWith("tally: done ", StringComparison.Ordinal)), s_timeout, () => tally.Error);
        await tally.SignalAsync("INT");

        Assert.Equal(130, await tally.WaitForExitAsync(s_timeout));
        Assert.StartsWith("tally: cancelled after ", tally.ErrorLines[^1], StringComparison.Ordinal);
        Assert.Empty(tally.OutputLines);
        Assert.False(File.Exists(_cli.PathOf("out.csv")));
        Assert.False(File.Exists(_cli.PathOf("c.svg")));
    }

    // ---- 9. Help ----

    [Fact]
    public async Task Help_ListsTheOptions_Examples_AndExitCodes()
    {
        var run = await _cli.RunAsync(["series", "--help"]);

        Assert.Equal(0, run.ExitCode);
        foreach (string option in new[] { "--word", "--words-file", "--totals", "--smoothing", "--format", "--chart", "--per-million", "--output", "--years", "--tags", "--ignore-case", "--executor", "--checkpoint", "--skip-bad" })
        {
            Assert.Contains(option, run.Out, StringComparison.Ordinal);
        }

        string examples = run.Out[run.Out.IndexOf("Examples:", StringComparison.Ordinal)..];
        Assert.True(examples.Split('\n').Count(l => l.TrimStart().StartsWith("tally series ", StringComparison.Ordinal)) >= 2, examples);
        Assert.Contains("Exit codes:", run.Out, StringComparison.Ordinal);
        Assert.Contains("130", run.Out, StringComparison.Ordinal);
    }
}
