using System.Text;
using Tally.Engine;
using Tally.Formats;
using Tally.Formats.Auto;
using Tally.Formats.Filters;
using Tally.Formats.NgramV2;
using Tally.Formats.NgramV3;
using Tally.Formats.Tsv;
using Tally.Formats.Words;
using Tally.Mapping;
using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests.Formats;

/// <summary>--years, --tags and --ignore-case against the reference on seeded data, for every format they apply to, at block sizes that cut every row.</summary>
public sealed class FilterTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string, int, int> Cases()
    {
        var data = new TheoryData<string, string, int, int>();
        string[] filters = ["", "years=1800-1899", "years=1950-", "years=-1750", "years=2000", "tags=drop", "tags=only", "ignore-case",
            "years=1800-1999;tags=drop;ignore-case", "tags=only;ignore-case"];
        foreach (string format in new[] { "v2", "v3", "auto-v2", "auto-v3" })
        {
            foreach (string filter in filters)
            {
                data.Add(format, filter, 17, 3);
                data.Add(format, filter, 4096, 2);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task NgramFilters_EqualTheReference(string format, string arguments, int blockSize, int workers)
    {
        var filter = NgramFilter.Parse(arguments);
        var model = FilterData.Model(seed: arguments.Length + blockSize, ngrams: 300);
        byte[] file = format.EndsWith("v2", StringComparison.Ordinal) ? FilterData.V2(model) : FilterData.V3(model);
        MapStep step = format switch
        {
            "v2" => new NgramV2MapStep(filter),
            "v3" => new NgramV3MapStep(filter),
            _ => new AutoMapStep(filter),
        };

        var result = await CountAsync(file, ReferenceEquivalenceTests.Pipeline(workers, blockSize) with { MapStep = step });

        Assert.Equal(FilterData.Reference(model, filter), ReferenceCount.FromResult(result));
        Assert.Equal(Encoding.Latin1.GetString(file).Count(c => c == '\n'), result.Rows);
    }

    [Fact]
    public async Task IgnoreCase_SumsCaseVariants_KeepsInvalidBytes_AndMergesNothingElse()
    {
        byte[] file = [.. "\u00c9t\u00c9\t1900\t1\t1\n\u00e9t\u00e9\t1900\t2\t1\n\u03a3\u03c3\t1900\t4\t1\n\u03c3\u03c3\t1900\t8\t1\n\u03c3\u03c2\t1900\t16\t1\n"u8.ToArray(),
            (byte)'A', 0xFF, .. "\t1900\t32\t1\n"u8.ToArray(), (byte)'a', 0xFF, .. "\t1900\t64\t1\n"u8.ToArray(), (byte)'a', 0xFE, .. "\t1900\t128\t1\n"u8.ToArray()];
        var step = new NgramV2MapStep(new NgramFilter { IgnoreCase = true });

        var result = await CountAsync(file, new CountOptions { MapStep = step });

        Assert.Equal(3, result.GetTotal("\u00e9t\u00e9"));
        Assert.Equal(12, result.GetTotal("\u03c3\u03c3"));
        Assert.Equal(16, result.GetTotal("\u03c3\u03c2"));
        var totals = ReferenceCount.FromResult(result);
        Assert.Equal(96, totals["a\u00ff"]);
        Assert.Equal(128, totals["a\u00fe"]);
        Assert.Equal(5, totals.Count);
        Assert.Equal("\u00e9t\u00e9", step.KeyOf("\u00c9T\u00c9"));
        Assert.Equal("\u03c3", KeyFold.Fold("\u03a3"));
    }

    [Theory]
    [InlineData("book_NOUN", true, false)]
    [InlineData("._.", true, false)]
    [InlineData("_NOUN", false, false)]
    [InlineData("_NOUN_", false, true)]
    [InlineData("_START_", false, true)]
    [InlineData("_ROOT_", false, true)]
    [InlineData("a_NOUN_", false, false)]
    [InlineData("book_noun", false, false)]
    [InlineData("x_X", true, false)]
    public void Tags_AreFoundAsTheIssueDefinesThem(string token, bool tagged, bool pure)
    {
        Assert.Equal(tagged, NgramTags.IsTagged(Encoding.UTF8.GetBytes(token)));
        Assert.Equal(pure, NgramTags.IsPureTag(Encoding.UTF8.GetBytes(token)));
    }

    [Fact]
    public async Task IgnoreCase_InTsvAndWords_FoldsKeys()
    {
        var words = await CountAsync("Σ σ É é é\n"u8.ToArray(), new CountOptions { MapStep = new WordsMapStep(ignoreCase: true) });
        Assert.Equal(2, words.GetTotal("σ"));
        Assert.Equal(3, words.GetTotal("é"));
        Assert.Equal(2, words.Count);

        var tsv = await CountAsync("k,v\nÉ,1\né,2\nE,4\n"u8.ToArray(), new CountOptions { MapStep = new TsvMapStep([1], 2, ',', header: true, ignoreCase: true) });
        Assert.Equal(3, tsv.GetTotal("é"));
        Assert.Equal(4, tsv.GetTotal("e"));
        Assert.Equal(3, tsv.Rows);
    }

    [Theory]
    [InlineData("tsv", "Years")]
    [InlineData("words", "Years")]
    public void Years_OnFormatsWithoutYears_IsAnError(string format, string option)
    {
        var error = Assert.Throws<CountOptionsException>(() => new FormatChoice { Format = format, Years = new YearRange(1800, 1900) }.CreateStep());
        Assert.Equal(option, error.Option);
    }

    [Theory]
    [InlineData("1800-1999", 1800, 1999)]
    [InlineData("1800-", 1800, long.MaxValue)]
    [InlineData("-1899", 0, 1899)]
    [InlineData("2000", 2000, 2000)]
    public void YearRange_ReadsEveryForm(string text, long from, long to)
    {
        Assert.Equal(new YearRange(from, to), YearRange.Parse(text));
        Assert.Equal(new YearRange(from, to), YearRange.Parse(YearRange.Parse(text).ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1999-1800")]
    [InlineData("18x0")]
    [InlineData("1800-1900-2000")]
    public void YearRange_RejectsOthers(string text) => Assert.Throws<FormatException>(() => YearRange.Parse(text));

    [Fact]
    public void EveryStep_IsRebuiltFromItsArguments_AsAWorkerDoes()
    {
        var registry = MapStepRegistry.WithBuiltIns();
        MapStep[] steps =
        [
            new AutoMapStep(new NgramFilter { Years = new YearRange(1800, long.MaxValue), Tags = TagFilter.Only, IgnoreCase = true }),
            new NgramV2MapStep(new NgramFilter { Tags = TagFilter.Drop }), NgramV3MapStep.Instance, new NgramV3MapStep(new NgramFilter { Years = new YearRange(0, 1899) }),
            new TsvMapStep([3, 1], 2, ';', header: true, ignoreCase: true), new TsvMapStep([1], 2), new WordsMapStep(true),
        ];
        foreach (var step in steps)
        {
            Assert.True(registry.TryCreate(step.Name, step.Arguments, out var rebuilt));
            Assert.Equal(step.Identity, rebuilt.Identity);
        }
    }

    [Fact]
    public async Task Auto_TakesEachFilesFormat_AndNamesAFileThatFitsNeither()
    {
        using var folder = new TempFolder();
        string v2 = folder.Write("v2", "a\t1900\t5\t1\n"u8.ToArray());
        string v3 = folder.Write("v3", "a\t1900,7,1\t1901,1,1\n"u8.ToArray());
        string text = folder.Write("text", "just words\n"u8.ToArray());
        var options = new CountOptions { MapStep = new AutoMapStep(NgramFilter.None) };

        var result = await CountJob.Start([DataSource.FromFile(v2), DataSource.FromFile(v3)], options).Result.WaitAsync(s_guard);
        Assert.Equal(13, result.GetTotal("a"));
        Assert.Equal(["ngram-v2", "ngram-v3"], result.Sources.OrderBy(s => s.Index).Select(s => s.Format));

        var error = await Assert.ThrowsAsync<TallyDataException>(() => CountJob.Start([DataSource.FromFile(v2), DataSource.FromFile(text)], options).Result.WaitAsync(s_guard));
        Assert.Equal($"{text}:1: {AutoMapStep.NeitherReason}", error.Message);
    }

    private static async Task<Output.CountResult> CountAsync(byte[] file, CountOptions options)
    {
        using var folder = new TempFolder();
        string path = folder.Write("data", file);
        return await CountJob.Start([DataSource.FromFile(path)], options).Result.WaitAsync(s_guard);
    }
}
