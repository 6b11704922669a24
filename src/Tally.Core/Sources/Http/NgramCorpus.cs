using System.Globalization;

namespace Tally.Sources.Http;

/// <summary>One Google Books Ngram corpus: its release, language and n, and the names of its files.</summary>
/// <remarks>
/// Names are relative to <see cref="DefaultBaseUrl"/> (or a mirror's base URL). Where the file
/// lists come from is in <c>docs/corpora.md</c>: Google's dataset pages for the layout, English
/// v3's counts from the issue, the other v3 1-gram counts from a public downloader's link lists.
/// </remarks>
/// <param name="Name">What <c>--corpus</c> takes: <c>eng-1gram-2012</c>, <c>fre-1gram-2020</c>.</param>
/// <param name="Release">2012 (v2, 20120701) or 2020 (v3, 20200217).</param>
/// <param name="Language">Google's language code: <c>eng</c>, <c>eng-us</c>, <c>chi-sim</c> (v2) or <c>chi_sim</c> (v3).</param>
/// <param name="N">The n of the ngrams.</param>
/// <param name="DataFiles">The data files' names, relative to the base URL.</param>
/// <param name="TotalCounts">The total counts file's name, relative to the base URL.</param>
public sealed record NgramCorpus(string Name, int Release, string Language, int N, IReadOnlyList<string> DataFiles, string TotalCounts)
{
    /// <summary>Where Google serves the files.</summary>
    public const string DefaultBaseUrl = "http://storage.googleapis.com/books/ngrams/books/";

    /// <summary>The data files and the total counts, as URLs under <paramref name="baseUrl"/>.</summary>
    public IEnumerable<string> Urls(string? baseUrl = null, bool withTotalCounts = true)
    {
        string root = (baseUrl ?? DefaultBaseUrl).TrimEnd('/') + "/";
        var names = withTotalCounts ? DataFiles.Append(TotalCounts) : DataFiles;
        return names.Select(n => root + n);
    }

    /// <summary>v2's 1-gram shards: digits, letters, then other, pos and punctuation (39 files).</summary>
    private static readonly string[] s_v2OneGramShards =
        [.. Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)), .. Enumerable.Range('a', 26).Select(c => ((char)c).ToString()), "other", "pos", "punctuation"];

    /// <summary>v2's languages (datasetsv2.html).</summary>
    private static readonly string[] s_v2Languages = ["eng", "eng-us", "eng-gb", "eng-fiction", "eng-1M", "chi-sim", "fre", "ger", "heb", "ita", "rus", "spa"];

    /// <summary>v3's files per language and n: English from Google's export pages, the other 1-gram counts from public link lists (docs/corpora.md).</summary>
    private static readonly (string Language, int N, int Files)[] s_v3 =
    [
        ("eng", 1, 24), ("eng", 2, 589), ("eng", 3, 6881), ("eng", 4, 6668), ("eng", 5, 19423),
        ("eng-us", 1, 14), ("eng-gb", 1, 4), ("eng-fiction", 1, 1), ("chi_sim", 1, 1),
        ("fre", 1, 6), ("ger", 1, 8), ("heb", 1, 1), ("ita", 1, 2), ("rus", 1, 2), ("spa", 1, 3),
    ];

    /// <summary>Every corpus the catalogue knows, v2 first.</summary>
    public static IReadOnlyList<NgramCorpus> All { get; } = Build();

    /// <summary>The corpus named <paramref name="name"/>, or null.</summary>
    public static NgramCorpus? Find(string name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private static NgramCorpus[] Build()
    {
        var corpora = new List<NgramCorpus>();
        foreach (string language in s_v2Languages)
        {
            string[] files = [.. s_v2OneGramShards.Select(s => $"googlebooks-{language}-all-1gram-20120701-{s}.gz")];
            corpora.Add(new NgramCorpus($"{language}-1gram-2012", 2012, language, 1, files, $"googlebooks-{language}-all-totalcounts-20120701.txt"));
        }

        foreach (var (language, n, count) in s_v3)
        {
            string[] files = [.. Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"20200217/{language}/{n}-{i:00000}-of-{count:00000}.gz"))];
            corpora.Add(new NgramCorpus(string.Create(CultureInfo.InvariantCulture, $"{language.Replace('_', '-')}-{n}gram-2020"), 2020, language, n, files,
                string.Create(CultureInfo.InvariantCulture, $"20200217/{language}/totalcounts-{n}")));
        }

        return [.. corpora];
    }
}
