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
    public void V3_Files_AreNumberedOfTheirCount(string name, int files, string last)
    {
        var corpus = NgramCorpus.Find(name)!;

        Assert.Equal(files, corpus.DataFiles.Count);
        Assert.Equal(last, corpus.DataFiles[^1]);
        Assert.Equal($"20200217/{corpus.Language}/totalcounts-{corpus.N}", corpus.TotalCounts);
        Assert.Equal($"https://mirror.example/ngrams/{last}", corpus.Urls("https://mirror.example/ngrams", withTotalCounts: false).Last());
    }
}
