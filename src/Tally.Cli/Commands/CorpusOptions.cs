using System.CommandLine;
using Tally.Sources.Http;

namespace Tally.Cli.Commands;

/// <summary><c>--corpus NAME</c> and <c>--base-url URL</c>, shared by count and fetch.</summary>
internal static class CorpusOptions
{
    public static Option<string?> Corpus() => new("--corpus")
    {
        Description = "A Google Books Ngram corpus from the catalogue (tally corpus list), such as eng-1gram-2012, eng-2gram-2012 or fre-3gram-2020.",
    };

    public static Option<string?> BaseUrl() => new("--base-url")
    {
        Description = $"Where the catalogue's files are (a mirror); default {NgramCorpus.DefaultBaseUrl}",
    };

    /// <summary>The corpus's URLs, or none without <c>--corpus</c>.</summary>
    public static IReadOnlyList<string> Urls(string? name, string? baseUrl, bool withTotalCounts)
    {
        if (name is null)
        {
            return baseUrl is null ? [] : throw new UsageException("--base-url needs --corpus");
        }

        var corpus = NgramCorpus.Find(name) ?? throw new UsageException($"--corpus {name}: not a corpus of the catalogue; see tally corpus list");
        if (baseUrl is not null && !HttpInputKind.IsUrl(baseUrl))
        {
            throw new UsageException($"--base-url {baseUrl}: not an http or https URL");
        }

        return [.. corpus.Urls(baseUrl, withTotalCounts)];
    }
}

/// <summary><c>tally corpus list</c>: the corpora the catalogue knows.</summary>
internal static class CorpusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var list = new Command("list", "List the Google Books Ngram corpora tally knows, with their file counts.");
        list.SetAction(async (_, cancellationToken) =>
        {
            foreach (var corpus in NgramCorpus.All)
            {
                string release = corpus.Release == 2012 ? "v2 20120701" : "v3 20200217";
                await environment.Out.WriteLineAsync($"{corpus.Name}\t{release}\t{corpus.Language}\t{corpus.N}-grams\t{corpus.DataFiles.Count} files + {Path.GetFileName(corpus.TotalCounts)}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return new Command("corpus", "The catalogue of Google Books Ngram corpora.") { list };
    }
}
