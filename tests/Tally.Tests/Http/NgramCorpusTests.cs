using Tally.Sources.Http;

namespace Tally.Tests.Http;

/// <summary>The catalogue's names for known files of each release.</summary>
public sealed class NgramCorpusTests
{
    [Fact]
    public void V2_English1grams_Are39Shards_AndTheTotalCounts()
    {
        var corpus = NgramCorpus.Find("eng-1gram-2012")!;
        var urls = corpus.Urls().ToList();

        Assert.Equal(39, corpus.DataFiles.Count);
        Assert.Equal("http://storage.googleapis.com/books/ngrams/books/googlebooks-eng-all-1gram-20120701-a.gz", urls[10]);
        Assert.Contains("http://storage.googleapis.com/books/ngrams/books/googlebooks-eng-all-1gram-20120701-punctuation.gz", urls);
        Assert.Equal("http://storage.googleapis.com/books/ngrams/books/googlebooks-eng-all-totalcounts-20120701.txt", urls[^1]);
        Assert.Equal("googlebooks-fre-all-1gram-20120701-0.gz", NgramCorpus.Find("fre-1gram-2012")!.DataFiles[0]);
    }

    [Theory]
    [InlineData("eng-1gram-2020", 24, "20200217/eng/1-00023-of-00024.gz")]
    [InlineData("eng-2gram-2020", 589, "20200217/eng/2-00588-of-00589.gz")]
    [InlineData("eng-3gram-2020", 6881, "20200217/eng/3-06880-of-06881.gz")]
    [InlineData("eng-4gram-2020", 6668, "20200217/eng/4-06667-of-06668.gz")]
    [InlineData("eng-5gram-2020", 19423, "20200217/eng/5-19422-of-19423.gz")]
    [InlineData("chi-sim-1gram-2020", 1, "20200217/chi_sim/1-00000-of-00001.gz")]
    [InlineData("ger-1gram-2020", 8, "20200217/ger/1-00007-of-00008.gz")]
    [InlineData("fre-2gram-2020", 115, "20200217/fre/2-00114-of-00115.gz")]
    [InlineData("ger-5gram-2020", 2262, "20200217/ger/5-02261-of-02262.gz")]
    [InlineData("eng-us-5gram-2020", 11145, "20200217/eng-us/5-11144-of-11145.gz")]
    [InlineData("eng-fiction-3gram-2020", 549, "20200217/eng-fiction/3-00548-of-00549.gz")]
    [InlineData("chi-sim-5gram-2020", 105, "20200217/chi_sim/5-00104-of-00105.gz")]
    [InlineData("heb-2gram-2020", 10, "20200217/heb/2-00009-of-00010.gz")]
    public void V3_Files_AreNumberedOfTheirCount(string name, int files, string last)
    {
        var corpus = NgramCorpus.Find(name)!;

        Assert.Equal(files, corpus.DataFiles.Count);
        Assert.Equal(last, corpus.DataFiles[^1]);
        Assert.Equal($"20200217/{corpus.Language}/totalcounts-{corpus.N}", corpus.TotalCounts);
        Assert.Equal($"https://mirror.example/ngrams/{last}", corpus.Urls("https://mirror.example/ngrams", withTotalCounts: false).Last());
    }

    [Fact]
    public void V3_EveryCorpus_HasFiveNs_AndItsFirstFileIsZero()
    {
        var v3 = NgramCorpus.All.Where(c => c.Release == 2020).ToList();

        Assert.Equal(55, v3.Count);
        Assert.All(v3.GroupBy(c => c.Language), g => Assert.Equal([1, 2, 3, 4, 5], g.Select(c => c.N)));
        Assert.Equal("20200217/eng/2-00000-of-00589.gz", NgramCorpus.Find("eng-2gram-2020")!.DataFiles[0]);
        Assert.Equal(["spa-1gram-2020", "spa-2gram-2020", "spa-3gram-2020", "spa-4gram-2020", "spa-5gram-2020"], v3.Where(c => c.Language == "spa").Select(c => c.Name));
    }

    [Theory]
    [InlineData("eng-2gram-2012", 724)]
    [InlineData("eng-3gram-2012", 724)]
    [InlineData("eng-4gram-2012", 724)]
    [InlineData("eng-5gram-2012", 723)]
    public void V2_EnglishMultiGrams_AreDigits_TwoLetterPrefixes_TagsAndOther(string name, int files)
    {
        var corpus = NgramCorpus.Find(name)!;
        string prefix = $"googlebooks-eng-all-{corpus.N}gram-20120701-";

        Assert.Equal(files, corpus.DataFiles.Count);
        Assert.Equal(files, corpus.DataFiles.Distinct().Count());
        Assert.Equal(prefix + "0.gz", corpus.DataFiles[0]);
        Assert.Contains(prefix + "aa.gz", corpus.DataFiles);
        Assert.Contains(prefix + "a_.gz", corpus.DataFiles);
        Assert.Contains(prefix + "zz.gz", corpus.DataFiles);
        Assert.Contains(prefix + "_ADJ_.gz", corpus.DataFiles);
        Assert.Contains(prefix + "_VERB_.gz", corpus.DataFiles);
        Assert.Contains(prefix + "punctuation.gz", corpus.DataFiles);
        Assert.Contains(prefix + "other.gz", corpus.DataFiles);
        Assert.DoesNotContain(prefix + "a.gz", corpus.DataFiles);
        Assert.DoesNotContain(prefix + "pos.gz", corpus.DataFiles);
        Assert.Equal(corpus.N != 5, corpus.DataFiles.Contains(prefix + "qk.gz"));
        Assert.Equal("googlebooks-eng-all-totalcounts-20120701.txt", corpus.TotalCounts);
    }

    [Fact]
    public void V2_MultiGrams_OfOtherLanguages_AreLeftOut_ForNoPublicListGivesThem()
    {
        Assert.Equal("http://storage.googleapis.com/books/ngrams/books/googlebooks-eng-all-2gram-20120701-aa.gz", NgramCorpus.Find("eng-2gram-2012")!.Urls().ElementAt(10));
        Assert.Null(NgramCorpus.Find("fre-2gram-2012"));
        Assert.Null(NgramCorpus.Find("eng-us-3gram-2012"));
        Assert.NotNull(NgramCorpus.Find("fre-1gram-2012"));
    }
}
