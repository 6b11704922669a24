using System.Globalization;
using System.Text;
using System.Text.Json;
using Tally.Engine;
using Tally.Executors.Processes;
using Tally.Formats.Filters;
using Tally.Platform;
using Tally.Series;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Formats;
using Tally.Tests.Support;

namespace Tally.Tests.Series;

public sealed class SeriesTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(120);

    private static string RealData(params string[] parts) => Path.Combine([RealNgramFileTests.RealData, .. parts]);

    public static TheoryData<string, string, int, int> Cases()
    {
        var data = new TheoryData<string, string, int, int>();
        string[] filters = ["", "years=1800-1899", "years=1950-", "tags=drop", "tags=only", "ignore-case", "years=1800-1999;tags=drop;ignore-case"];
        foreach (string format in new[] { "ngram-v2", "ngram-v3", "auto-v2", "auto-v3" })
        {
            foreach (string filter in filters)
            {
                data.Add(format, filter, 17, 3);
                data.Add(format, filter, 4096, 2);
            }
        }

        return data;
    }

    /// <summary>Every queried ngram's yearly counts equal the simplest reference over the same seeded model, in tiny blocks across every boundary.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Series_EqualsTheReference(string format, string arguments, int blockSize, int workers)
    {
        var filter = NgramFilter.Parse(arguments);
        var model = FilterData.Model(seed: 5 + arguments.Length + blockSize, ngrams: 300);
        byte[] file = format.EndsWith("v2", StringComparison.Ordinal) ? FilterData.V2(model) : FilterData.V3(model);
        var random = new Random(arguments.Length);
        var words = model.Where(_ => random.Next(6) == 0).Select(n => UnixName.Decode(n.Key))
            .Concat(["absent", "A", "a b"]).ToList();
        var query = new SeriesQuery { Words = words, Filter = filter, Format = format.StartsWith("auto", StringComparison.Ordinal) ? "auto" : format };

        using var folder = new TempFolder();
        string path = folder.Write("data", file);
        var result = await SeriesJob.Start([DataSource.FromFile(path)], query, ReferenceEquivalenceTests.Pipeline(workers, blockSize)).Result.WaitAsync(s_guard);

        var expected = Reference(model, query);
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), result.Series.Select(s => s.Ngram).OrderBy(k => k, StringComparer.Ordinal));
        foreach (var series in result.Series)
        {
            var years = expected[series.Ngram];
            for (int i = 0; i < result.YearCount; i++)
            {
                Assert.Equal(years.GetValueOrDefault(result.FirstYear + i), series.MatchCounts[i]);
            }

            Assert.Equal(years.Values.Sum(), series.TotalMatchCount);
        }

        Assert.Equal(Encoding.Latin1.GetString(file).Count(c => c == '\n'), result.Counts.Rows);
    }

    /// <summary>Worker processes rebuild the series step from its arguments (words with invalid bytes and spaces included) and give what threads give.</summary>
    [Fact]
    public async Task Series_InWorkerProcesses_GivesWhatThreadsGive()
    {
        var model = FilterData.Model(seed: 11, ngrams: 400);
        using var folder = new TempFolder();
        var paths = new[] { folder.Write("a.tsv", FilterData.V2(model.Take(200))), folder.Write("b.tsv", FilterData.V3(model.Skip(150))) };
        var query = new SeriesQuery { Words = [.. model.Where((_, i) => i % 7 == 0).Select(n => UnixName.Decode(n.Key))], Filter = new NgramFilter { IgnoreCase = true } };

        var threads = await SeriesJob.Start([.. paths.Select(DataSource.FromFile)], query, ReferenceEquivalenceTests.Pipeline(2, 64)).Result.WaitAsync(s_guard);
        var processes = await SeriesJob.Start([.. paths.Select(DataSource.FromFile)], query,
            ReferenceEquivalenceTests.Pipeline(2, 64) with { Executor = new ProcessExecutor(TestWorker.Command()) }).Result.WaitAsync(s_guard);

        Assert.Equal(threads.FirstYear, processes.FirstYear);
        Assert.Equal(threads.Series.Select(s => (s.Ngram, string.Join(',', s.MatchCounts))), processes.Series.Select(s => (s.Ngram, string.Join(',', s.MatchCounts))));
        Assert.Contains(threads.Series, s => s.TotalMatchCount > 0);
    }

    /// <summary>The real v3 row of "forever" over the real English totals gives the Viewer's 520 values (1500-2019, smoothing 0), zeros included.</summary>
    [Fact]
    public async Task Forever_MatchesTheNgramViewer()
    {
        var viewer = JsonDocument.Parse(File.ReadAllBytes(RealData("viewer", "viewer-eng_2019-s0-case-sensitive.json")));
        var expected = viewer.RootElement.EnumerateArray().Single(e => e.GetProperty("ngram").GetString() == "forever:eng_2019")
            .GetProperty("timeseries").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var query = new SeriesQuery
        {
            Words = ["forever"],
            Filter = new NgramFilter { Years = new YearRange(1500, 2019) },
            Totals = [TotalCounts.Read(RealData("v3-totalcounts", "eng-totalcounts-1"))],
        };

        var result = await SeriesJob.Start([DataSource.FromFile(RealData("v3-rows", "forever-1.source.tsv"))], query).Result.WaitAsync(s_guard);

        Assert.Equal(520, expected.Length);
        Assert.Equal(1500, result.FirstYear);
        Assert.Equal(520, result.YearCount);
        var actual = result.Series.Single().RelativeFrequencies!;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == 0)
            {
                Assert.Equal(0, actual[i]);
            }
            else
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) / expected[i] < 1e-6, $"{1500 + i}: tally {actual[i]}, viewer {expected[i]}");
            }
        }

        Assert.Equal(expected.Count(v => v != 0), actual.Count(v => v != 0));
    }

    [Fact]
    public void TotalCounts_ReadBothReleases_AndTheirNgramLength()
    {
        var v3 = TotalCounts.Read(RealData("v3-totalcounts", "eng-totalcounts-1"));
        var v2 = TotalCounts.Read(RealData("googlebooks-eng-all-totalcounts-20120701.txt"));

        Assert.Equal((529, 1470L, 2019L, (int?)1), (v3.Count, v3.FirstYear, v3.LastYear, v3.N));
        Assert.Equal((425, 1505L, 2008L, (int?)null), (v2.Count, v2.FirstYear, v2.LastYear, v2.N));
        Assert.True(v2.TryGetTotal(2008, out long total2008));
        Assert.Equal(19_482_936_409, total2008);
        Assert.True(v3.TryGetTotal(1470, out long total1470));
        Assert.Equal(984, total1470);
        Assert.False(v2.TryGetTotal(1506, out _));
    }

    [Theory]
    [InlineData("totalcounts-2", 2)]
    [InlineData("eng-totalcounts-3", 3)]
    [InlineData("/x/totalcounts_1.txt", 1)]
    [InlineData("googlebooks-eng-all-totalcounts-20120701.txt", null)]
    [InlineData("totals.txt", null)]
    public void TotalCounts_LengthComesFromTheName(string name, int? n) => Assert.Equal(n, TotalCounts.LengthInName(name));

    [Fact]
    public void TotalCounts_NameTheBadRecord_AndRefuseAnotherLength()
    {
        var error = Assert.Throws<TallyDataException>(() => TotalCounts.Parse(" \t1800,5,1,1\t1801,x,1,1\n"u8, "t"));
        Assert.Equal("t:1: record 2: \"1801,x,1,1\" is not year,match_count,page_count,volume_count (a total-counts file is one line of such records, each after a TAB)", error.Message);
        Assert.Throws<TallyDataException>(() => TotalCounts.Parse("1800,5,1,1\n1800,6,1,1"u8, "t"));
        Assert.Throws<ArgumentException>(() => TotalCounts.Parse("1800,5,1,1"u8, "totalcounts-2", n: 1));
        Assert.Equal(2, TotalCounts.Parse("1800,5,1,1"u8, "t", n: 2).N);
    }

    [Fact]
    public void Totals_AreChosenByNgramLength_AndAMissingLengthIsRefused()
    {
        var one = TotalCounts.Parse("1800,5,1,1"u8, "totalcounts-1");
        var two = TotalCounts.Parse("1800,7,1,1"u8, "totalcounts-2");
        var query = new SeriesQuery { Words = ["forever", "for ever"], Totals = [one, two] };
        Assert.Same(one, query.TotalsFor("forever"));
        Assert.Same(two, query.TotalsFor("for ever"));

        var error = Assert.Throws<CountOptionsException>(() => (query with { Totals = [one] }).Validate());
        Assert.Equal("Totals", error.Option);
        Assert.Contains("no file for 2-grams, which \"for ever\" is: give totalcounts-2 too", error.Problem, StringComparison.Ordinal);
        Assert.Throws<CountOptionsException>(() => (query with { Totals = [one, TotalCounts.Parse("1800,5,1,1"u8, "eng-totalcounts-1")] }).Validate());
    }

    /// <summary>A query spaced as no Ngram row is (spaces at an end, two in a row) could only match nothing: it is refused, not answered with zeros.</summary>
    [Theory]
    [InlineData("apple ")]
    [InlineData(" apple")]
    [InlineData("for  ever")]
    public void Word_SpacedAsNoNgramIs_IsRefused(string word)
    {
        var error = Assert.Throws<CountOptionsException>(() => new SeriesQuery { Words = ["fine", word] }.Validate());

        Assert.Equal("Words", error.Option);
        Assert.Contains("single spaces", error.Problem, StringComparison.Ordinal);
        new SeriesQuery { Words = ["for ever", "a b c d e"] }.Validate();
    }

    [Fact]
    public async Task ACountInAYearWithoutTotal_IsAnErrorNamingTheYear_AndAYearWithoutEitherIsZero()
    {
        using var folder = new TempFolder();
        string data = folder.Write("data", "w\t1800\t4\t1\nw\t1802\t3\t1\n"u8.ToArray());
        var totals = TotalCounts.Parse(" \t1800,8,1,1\t1803,10,1,1"u8, "totalcounts-1");
        var query = new SeriesQuery { Words = ["w"], Totals = [totals] };

        var error = await Assert.ThrowsAsync<TallyDataException>(() => SeriesJob.Start([DataSource.FromFile(data)], query).Result.WaitAsync(s_guard));
        Assert.Equal("totalcounts-1: has no total for 1802, where \"w\" has a match_count of 3: are these totals for this corpus?", error.Message);

        string fine = folder.Write("fine", "w\t1800\t4\t1\nw\t1803\t5\t1\n"u8.ToArray());
        var result = await SeriesJob.Start([DataSource.FromFile(fine)], query).Result.WaitAsync(s_guard);
        Assert.Equal((1800L, 4), (result.FirstYear, result.YearCount));
        Assert.Equal([0.5, 0, 0, 0.5], result.Series[0].RelativeFrequencies!);
    }

    [Fact]
    public void Smoothing_IsTheCentredMean_ClippedAtTheEnds()
    {
        Assert.Equal([1.5, 2, 3, 4, 4.5], Smoothing.Smooth([1, 2, 3, 4, 5], 1));
        Assert.Equal([2, 2.5, 3, 3.5, 4], Smoothing.Smooth([1, 2, 3, 4, 5], 2));
        Assert.Equal([7.0], Smoothing.Smooth([7], 3));
        Assert.Equal([1.0, 2], Smoothing.Smooth([1, 2], 0));
    }

    [Fact]
    public async Task Range_IsTheDataYears_OrAClosedWindow_AndSmoothingAveragesIt()
    {
        using var folder = new TempFolder();
        string data = folder.Write("data", "a\t1801\t2\t1\na\t1803\t4\t1\nb\t1802\t6\t1\nc\t1700\t9\t1\n"u8.ToArray());

        var plain = await SeriesJob.Start([DataSource.FromFile(data)], new SeriesQuery { Words = ["a", "b"] }).Result.WaitAsync(s_guard);
        Assert.Equal((1801L, 3), (plain.FirstYear, plain.YearCount));
        Assert.Equal([2L, 0, 4], plain.Series[0].MatchCounts);
        Assert.Equal([0L, 6, 0], plain.Series[1].MatchCounts);

        var window = await SeriesJob.Start([DataSource.FromFile(data)], new SeriesQuery
        {
            Words = ["a"],
            Filter = new NgramFilter { Years = new YearRange(1800, 1804) },
            Smoothing = 1,
        }).Result.WaitAsync(s_guard);
        Assert.Equal((1800L, 5), (window.FirstYear, window.YearCount));
        Assert.Equal([0L, 2, 0, 4, 0], window.Series[0].MatchCounts);
        Assert.Equal([1.0, 2.0 / 3, 2, 4.0 / 3, 2], window.Series[0].Smoothed!);

        var none = await SeriesJob.Start([DataSource.FromFile(data)], new SeriesQuery { Words = ["zzz"] }).Result.WaitAsync(s_guard);
        Assert.Equal(0, none.YearCount);
    }

    [Fact]
    public async Task AMalformedRow_FailsASeriesAsItFailsACount_QueriedOrNot()
    {
        using var folder = new TempFolder();
        string data = folder.Write("data", "a\t1801\t2\t1\nb\t1802\tx\t1\nc\t1803\t1\t1\n"u8.ToArray());
        var series = await Assert.ThrowsAsync<TallyDataException>(() => SeriesJob.Start([DataSource.FromFile(data)], new SeriesQuery { Words = ["a"] }).Result.WaitAsync(s_guard));
        var count = await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start([DataSource.FromFile(data)], new CountOptions { MapStep = new Tally.Formats.Auto.AutoMapStep(NgramFilter.None) }).Result.WaitAsync(s_guard));
        Assert.Equal(count.Message, series.Message);
        Assert.Equal(2, series.Line);
    }

    [Fact]
    public void Step_IsRebuiltFromItsArguments()
    {
        var step = new SeriesMapStep(["a b", "x\udcff", "a b"], new NgramFilter { Years = new YearRange(1800, 1900), IgnoreCase = true }, "ngram-v3");
        Assert.True(Mapping.MapStepRegistry.WithBuiltIns().TryCreate(step.Name, step.Arguments, out var made));
        var rebuilt = Assert.IsType<SeriesMapStep>(made);
        Assert.Equal(step.Identity, rebuilt.Identity);
        Assert.Equal(["a b", "x\udcff"], rebuilt.Keys);
        Assert.Equal("ngram-v3", rebuilt.Format);
    }

    /// <summary>The simplest reference: per queried key, the yearly sums of every row whose key (tags passing, folded) is it.</summary>
    private static Dictionary<string, Dictionary<long, long>> Reference(List<FilterData.Ngram> model, SeriesQuery query)
    {
        var result = query.Keys().ToDictionary(k => k, _ => new Dictionary<long, long>(), StringComparer.Ordinal);
        foreach (var ngram in model)
        {
            var totals = FilterData.Reference([ngram], query.Filter with { Years = null });
            if (totals.Count == 0)
            {
                continue;
            }

            string key = UnixName.Decode(Encoding.Latin1.GetBytes(totals.Keys.Single()));
            if (!result.TryGetValue(key, out var years))
            {
                continue;
            }

            foreach (var (year, count) in ngram.Years.Where(y => query.Filter.Years is not { } w || w.Contains(y.Year)))
            {
                years[year] = years.GetValueOrDefault(year) + count;
            }
        }

        return result;
    }
}
