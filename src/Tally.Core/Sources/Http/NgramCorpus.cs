using System.Globalization;

namespace Tally.Sources.Http;

/// <summary>One Google Books Ngram corpus: its release, language and n, and the names of its files.</summary>
/// <remarks>
/// Names are relative to <see cref="DefaultBaseUrl"/> (or a mirror's base URL). Where the file
/// lists come from is in <c>docs/corpora.md</c>: Google's dataset pages for the layout, English
/// v3's counts from the issue, the other v3 counts from a public downloader's link lists, v2's
/// 2- to 5-gram shards of English from another public downloader. A corpus no public source lists
/// is left out rather than guessed.
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
        [.. Enumerable.Range(0, 10).Select(Digit), .. Letters(), "other", "pos", "punctuation"];

    /// <summary>
    /// v2's 2- to 5-gram shards: digits, a two-letter prefix per pair of letters (the second may be
    /// <c>_</c>, for one-letter words), other, punctuation, and one per part-of-speech tag (724 files).
    /// </summary>
    private static readonly string[] s_v2MultiGramShards =
    [
        .. Enumerable.Range(0, 10).Select(Digit),
        .. Letters().SelectMany(first => Letters().Append("_").Select(second => first + second)),
        "other", "punctuation",
        "_ADJ_", "_ADP_", "_ADV_", "_CONJ_", "_DET_", "_NOUN_", "_NUM_", "_PRON_", "_PRT_", "_VERB_",
    ];

    /// <summary>v2's languages (datasetsv2.html).</summary>
    private static readonly string[] s_v2Languages = ["eng", "eng-us", "eng-gb", "eng-fiction", "eng-1M", "chi-sim", "fre", "ger", "heb", "ita", "rus", "spa"];

    /// <summary>
    /// v2's 2- to 5-gram corpora that a public source lists, with the shards that source says Google
    /// does not have. Only English: no public list gives the other languages' shards, which differ.
    /// </summary>
    private static readonly (string Language, int N, string[] Absent)[] s_v2MultiGrams =
    [
        ("eng", 2, []), ("eng", 3, []), ("eng", 4, []), ("eng", 5, ["qk"]),
    ];

    /// <summary>v3's files per language for n = 1..5: English from Google's export pages, the others from public link lists (docs/corpora.md).</summary>
    private static readonly (string Language, int[] Files)[] s_v3 =
    [
        ("eng", [24, 589, 6881, 6668, 19423]),
        ("eng-us", [14, 365, 4178, 3936, 11145]),
        ("eng-gb", [4, 118, 1283, 1154, 3098]),
        ("eng-fiction", [1, 47, 549, 515, 1449]),
        ("chi_sim", [1, 6, 59, 46, 105]),
        ("fre", [6, 115, 1197, 1104, 3071]),
        ("ger", [8, 181, 1369, 1003, 2262]),
        ("heb", [1, 10, 45, 25, 42]),
        ("ita", [2, 60, 553, 427, 984]),
        ("rus", [2, 69, 471, 313, 633]),
        ("spa", [3, 73, 688, 571, 1415]),
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
            corpora.Add(V2(language, 1, s_v2OneGramShards));
            foreach (var (_, n, absent) in s_v2MultiGrams.Where(c => c.Language == language))
            {
                corpora.Add(V2(language, n, [.. s_v2MultiGramShards.Except(absent, StringComparer.Ordinal)]));
            }
        }

        foreach (var (language, counts) in s_v3)
        {
            for (int n = 1; n <= counts.Length; n++)
            {
                corpora.Add(V3(language, n, counts[n - 1]));
            }
        }

        return [.. corpora];
    }

    private static NgramCorpus V2(string language, int n, string[] shards)
    {
        string prefix = string.Create(CultureInfo.InvariantCulture, $"googlebooks-{language}-all-{n}gram-20120701-");
        return new NgramCorpus(string.Create(CultureInfo.InvariantCulture, $"{language}-{n}gram-2012"), 2012, language, n,
            [.. shards.Select(s => prefix + s + ".gz")], $"googlebooks-{language}-all-totalcounts-20120701.txt");
    }

    private static NgramCorpus V3(string language, int n, int count)
    {
        string[] files = [.. Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"20200217/{language}/{n}-{i:00000}-of-{count:00000}.gz"))];
        return new NgramCorpus(string.Create(CultureInfo.InvariantCulture, $"{language.Replace('_', '-')}-{n}gram-2020"), 2020, language, n, files,
            string.Create(CultureInfo.InvariantCulture, $"20200217/{language}/totalcounts-{n}"));
    }

    private static string Digit(int d) => d.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<string> Letters() => Enumerable.Range('a', 26).Select(c => ((char)c).ToString());
}
