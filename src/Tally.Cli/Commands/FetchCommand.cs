using System.CommandLine;
using Tally.Cli.Rendering;
using Tally.Sources.Http;

namespace Tally.Cli.Commands;

/// <summary><c>tally fetch URL... --to DIR</c>: downloads that resume, several at once.</summary>
internal static class FetchCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var urls = new Argument<string[]>("URL") { Description = "http(s) URLs to download.", Arity = ArgumentArity.ZeroOrMore };
        var to = new Option<string>("--to") { Description = "The folder to download into (created when missing).", Required = true };
        var downloads = new Option<int>("--downloads") { Description = "Downloads at once (default 4).", DefaultValueFactory = _ => 4 };
        var corpus = CorpusOptions.Corpus();
        var baseUrl = CorpusOptions.BaseUrl();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print nothing but errors." };
        var command = new Command("fetch", "Download files into a folder: each is written as NAME.part and renamed when complete and verified (length, and MD5 when the server sends one); an interrupted fetch resumes, a complete file is skipped.")
        {
            urls, to, downloads, corpus, baseUrl, quiet,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            string[] all = [.. parsed.GetValue(urls) ?? [], .. CorpusOptions.Urls(parsed.GetValue(corpus), parsed.GetValue(baseUrl), withTotalCounts: true)];
            int n = parsed.GetValue(downloads);
            if (n < 1)
            {
                throw new UsageException($"--downloads must be at least 1, not {n}");
            }

            if (all.Length == 0)
            {
                throw new UsageException("no URLs given: name URLs or --corpus NAME");
            }

            if (all.FirstOrDefault(u => !HttpInputKind.IsUrl(u)) is { } bad)
            {
                throw new UsageException($"{bad}: not an http or https URL");
            }

            return RunAsync(all, parsed.GetValue(to)!, n, parsed.GetValue(quiet), environment, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string[] urls, string folder, int downloads, bool quiet, CliEnvironment environment, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var names = urls.Select(u => Uri.UnescapeDataString(new Uri(u).Segments[^1])).ToArray();
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UsageException($"two URLs end in the same name {twice.Key}; fetch them into different folders");
        }

        var error = TextWriter.Synchronized(environment.Error);
        using var kind = new HttpInputKind(HttpSourceOptions.FromEnvironment() with
        {
            MaxDownloads = downloads,
            Note = quiet ? null : note => error.WriteLine($"tally: {TallyApp.Printable(note)}"),
        });
        long[] done = new long[urls.Length];
        bool[] finished = new bool[urls.Length];
        using var ticker = quiet ? null : new Timer(_ => Report(error, urls, names, done, finished), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

        // Every URL is started at once; the kind's download slots let --downloads of them run and
        // the rest wait without holding a thread.
        var tasks = urls.Select(async (url, i) =>
        {
            var result = await kind.DownloadAsync(url, Path.Combine(folder, names[i]), new Progress<long>(bytes => Volatile.Write(ref done[i], bytes)), cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref finished[i], true);
            return result;
        }).ToArray();
        var failures = new List<string>();
        for (int i = 0; i < tasks.Length; i++)
        {
            try
            {
                var result = await tasks[i].ConfigureAwait(false);
                if (!quiet)
                {
                    string what = result.Skipped ? "already complete"
                        : result.ResumedFrom > 0 ? $"{Units.Bytes(result.Bytes)}, resumed at {Units.Bytes(result.ResumedFrom)}"
                        : Units.Bytes(result.Bytes);
                    string md5 = result.Md5Checked ? ", MD5 checked" : "";
                    await error.WriteLineAsync($"tally: {names[i]}: {what}{md5}").ConfigureAwait(false);
                }
            }
            catch (TallyInputException e)
            {
                failures.Add(e.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("tally: cancelled; the .part files are kept, and the next fetch resumes them").ConfigureAwait(false);
                return ExitCodes.Cancelled;
            }
        }

        foreach (string failure in failures)
        {
            await error.WriteLineAsync($"tally: {TallyApp.Printable(failure)}").ConfigureAwait(false);
        }

        return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.InputOutput;
    }

    /// <summary>Every two seconds: each download under way, then all of them together.</summary>
    private static void Report(TextWriter error, string[] urls, string[] names, long[] done, bool[] finished)
    {
        long total = 0;
        for (int i = 0; i < urls.Length; i++)
        {
            long bytes = Volatile.Read(ref done[i]);
            total += bytes;
            if (bytes > 0 && !Volatile.Read(ref finished[i]))
            {
                error.WriteLine($"tally: {names[i]}: {Units.Bytes(bytes)} so far");
            }
        }

        int complete = finished.Count(f => f);
        error.WriteLine($"tally: all: {Units.Bytes(total)}, {complete} of {urls.Length} files complete");
    }
}
