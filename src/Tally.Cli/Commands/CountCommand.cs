using System.CommandLine;
using System.Globalization;
using Tally.Cli.Rendering;
using Tally.Engine;
using Tally.Output;
using Tally.Sources;

namespace Tally.Cli.Commands;

/// <summary><c>tally count INPUT...</c>: total match_count per ngram over Ngram v2 files.</summary>
internal static class CountCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var inputs = new Argument<string[]>("INPUT")
        {
            Description = "Files, folders (every file in them), glob patterns, or - for standard input. Plain or gzip.",
            Arity = ArgumentArity.OneOrMore,
        };
        var words = new Option<string[]>("--word", "-w")
        {
            Description = "Print this ngram's total (0 when absent). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var top = new Option<int?>("--top", "-n") { Description = "Print the N ngrams with the largest totals." };
        var output = new Option<string?>("--output", "-o") { Description = "Write 'ngram TAB total' for every ngram, sorted by bytes, to this file." };
        var threads = new Option<int?>("--workers", "--threads", "-t") { Description = "Map workers: threads, or worker processes with --executor processes (default: processor count)." };
        var executor = new Option<string>("--executor") { Description = "Where the map step runs: threads (default) or processes (isolated worker processes).", DefaultValueFactory = _ => "threads" };
        executor.AcceptOnlyFromAmong("threads", "processes");
        var blockSize = new Option<int?>("--block-size") { Description = "Bytes per block (advanced).", Hidden = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print no progress or summary." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print a line per finished input, even when stderr is not a terminal." };

        var command = new Command("count", "Total the match_count of every ngram over Google Books Ngram v2 files.")
        {
            inputs, words, top, output, threads, executor, blockSize, quiet, verbose,
        };

        command.SetAction((parsed, cancellationToken) =>
        {
            var settings = new CountSettings
            {
                Inputs = parsed.GetValue(inputs) ?? [],
                Words = parsed.GetValue(words) ?? [],
                Top = parsed.GetValue(top),
                OutputPath = parsed.GetValue(output),
                Threads = parsed.GetValue(threads) ?? Environment.ProcessorCount,
                Executor = parsed.GetValue(executor) == "processes" ? ExecutorKind.Processes : ExecutorKind.Threads,
                BlockSize = parsed.GetValue(blockSize),
                Quiet = parsed.GetValue(quiet),
                Verbose = parsed.GetValue(verbose),
            };
            settings.Validate();
            return RunAsync(settings, environment, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(CountSettings settings, CliEnvironment environment, CancellationToken cancellationToken)
    {
        // Every input is found and opened once before any work starts, so a typo in the tenth
        // path fails in milliseconds instead of after the first nine are counted.
        var sources = InputResolver.Resolve(settings.Inputs, environment.OpenStandardInput);
        var options = new CountOptions
        {
            Workers = settings.Threads,
            BlockSize = settings.BlockSize ?? CountOptions.Default.BlockSize,
            MaxLineLength = Math.Max(CountOptions.Default.MaxLineLength, settings.BlockSize ?? 0),
            TimeProvider = environment.TimeProvider,
            Executor = settings.Executor,
            WorkerCommand = settings.Executor == ExecutorKind.Processes ? environment.WorkerCommand() : null,
        };

        var job = CountJob.Start(sources, options, progress: null, cancellationToken);
        var live = !settings.Quiet && environment.ProgressConsole is not null
            ? new LiveProgress(environment.ProgressConsole, job)
            : null;
        Task view = live?.RunAsync() ?? (settings.Verbose ? PlainProgress.RunAsync(environment.Error, job) : DrainAsync(job));

        CountResult result;
        try
        {
            result = await job.Result.ConfigureAwait(false);
        }
        finally
        {
            await Quietly(view).ConfigureAwait(false);
        }

        if (live is not null)
        {
            await SummaryWriter.WriteAsync(environment.Error, result).ConfigureAwait(false);
        }

        if (settings.OutputPath is { } path)
        {
            await result.WriteTsvAsync(path, cancellationToken).ConfigureAwait(false);
        }

        await WriteResultsAsync(environment, settings, result).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static async Task WriteResultsAsync(CliEnvironment environment, CountSettings settings, CountResult result)
    {
        var output = environment.Out;
        foreach (string word in settings.Words)
        {
            await output.WriteLineAsync($"{word}\t{result.GetTotal(word).ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
        }

        if (settings.EffectiveTop is { } n and > 0)
        {
            if (environment.IsOutputInteractive)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"# top {Math.Min(n, result.Count)} of {result.Count:N0} ngrams ({result.Rows:N0} rows)")).ConfigureAwait(false);
            }

            foreach (var entry in result.Top(n))
            {
                await output.WriteLineAsync(entry.ToString()).ConfigureAwait(false);
            }
        }

        await output.FlushAsync().ConfigureAwait(false);
    }

    private static async Task DrainAsync(CountJob job)
    {
        await foreach (var _ in job.Completions.ConfigureAwait(false))
        {
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The job's own failure is thrown by awaiting the job; the view only mirrors it.
        }
    }
}
