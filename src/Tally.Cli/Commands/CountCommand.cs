using System.Buffers;
using System.CommandLine;
using System.Globalization;
using Tally.Cli.Rendering;
using Tally.Engine;
using Tally.Execution;
using Tally.Executors.Threads;
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
            Description = "Files, folders (every file in them), glob patterns, http(s) URLs, or - for standard input. Plain or gzip.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var words = new Option<string[]>("--word", "-w")
        {
            Description = "Print this ngram's total (0 when absent). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var top = new Option<int?>("--top", "-n") { Description = "Print the N ngrams with the largest totals." };
        var output = new Option<string?>("--output", "-o") { Description = OutputFiles.OutputDescription };
        var outputFormat = new Option<string?>("--output-format") { Description = OutputFiles.FormatDescription };
        var threads = new Option<int?>("--workers", "--threads", "-t") { Description = "Map workers: threads, or worker processes with --executor processes; also the threads that sort and write -o (default: processor count)." };
        var executors = ExecutorRegistry.WithBuiltIns(environment.WorkerCommand);
        var executor = new Option<string>("--executor")
        {
            Description = $"Where the map step runs: {string.Join(" or ", executors.Names)} (default threads; processes isolates the map step in worker processes).",
            DefaultValueFactory = _ => ThreadExecutor.ExecutorName,
        };
        executor.AcceptOnlyFromAmong([.. executors.Names]);
        var blockSize = new Option<int?>("--block-size") { Description = "Bytes per block (advanced).", Hidden = true };
        var maxLineLength = new Option<int?>("--max-line-length") { Description = "Longest line accepted, in bytes (default 64 MiB); a longer one makes its file broken." };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Skip malformed rows instead of stopping at the first; report how many per file, and the first few." };
        var rejects = new Option<string?>("--rejects") { Description = "With --skip-bad: write every skipped row to this file as 'path TAB line TAB reason TAB row'." };
        var skipBadFiles = new Option<bool>("--skip-bad-files") { Description = "Leave out entirely a file that cannot be read to its end (corrupt or truncated gzip, a line over the limit), and list it." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Save each finished file's totals in this folder; a rerun of the same command resumes from them." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print no progress or summary." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print a line per finished input (with the format it was read in), even when stderr is not a terminal." };
        var cluster = new Option<string?>("--cluster") { Description = "Run the map step on cluster nodes ('tally node'): listen at HOST:PORT as the coordinator, or use a standing cluster's redis://HOST:PORT." };
        var nodes = new Option<int?>("--nodes") { Description = "With --cluster: nodes to wait for before starting (default 1)." };
        var joinTimeout = new Option<string?>("--join-timeout") { Description = "With --cluster: how long to wait for --nodes nodes (default 60s); then exit 3." };
        var format = new Option<string>("--format")
        {
            Description = "Input format: auto (Ngram v2 or v3, decided per file from its first line; the default), ngram-v2, ngram-v3 (2020 release: "
                + "ngram TAB year,match_count,volume_count ...), tsv (delimited key and integer value columns; see --key), or words (plain text: every "
                + "run of non-whitespace counts 1). Examples: --format ngram-v3; --format tsv --key 1 --value 3 --delimiter , --header; --format words",
            DefaultValueFactory = _ => Tally.Formats.Auto.AutoMapStep.StepName,
        };
        var years = new Option<string?>("--years") { Description = "Ngram formats: count only rows (v2) or year,match_count,volume_count fields (v3) of these years, inclusive: 1800-1999, 1800-, -1899 or 2000. Example: --years 2010-2019" };
        var tags = new Option<string?>("--tags")
        {
            Description = "Ngram formats: keep (every row under its own string; the default), drop (only rows with no part-of-speech tag such as book_NOUN "
                + "and no pure tag such as _NOUN_ or _START_), or only (only rows with a tagged token). Summing every row with keep double counts: "
                + "a tagged row repeats counts of its untagged form, and v3's pure-tag rows add up to nearly the whole corpus. Example: --tags drop",
        };
        var ignoreCase = new Option<bool>("--ignore-case", "-i") { Description = "Total under the Unicode lower-case form of each key (per character, culture-invariant; invalid UTF-8 kept as is), summing case variants; --word looks up the folded form. Example: -i -w Paris totals paris, Paris, PARIS..." };
        var keys = new Option<int[]>("--key") { Description = "tsv: the 1-based key column (default 1); repeat to join several columns into one key with TAB.", AllowMultipleArgumentsPerToken = false };
        var value = new Option<int?>("--value") { Description = "tsv: the 1-based column of non-negative integer values to sum (default 2)." };
        var delimiter = new Option<string?>("--delimiter") { Description = "tsv: the column delimiter, one ASCII character (default TAB; \\t also means TAB). Quoted CSV fields are not parsed: a delimiter inside quotes still splits." };
        var header = new Option<bool>("--header") { Description = "tsv: pass over the first line of each file." };
        var downloads = new Option<int>("--downloads") { Description = "URLs downloaded at once (default 4).", DefaultValueFactory = _ => 4 };
        var corpus = CorpusOptions.Corpus();
        var baseUrl = CorpusOptions.BaseUrl();

        var command = new Command("count", "Total the match_count of every ngram over Google Books Ngram files (v2 or v3), or the values of any delimited file, or the words of text.")
        {
            inputs, words, top, output, threads, executor, blockSize, maxLineLength, skipBad, rejects, skipBadFiles, checkpoint, quiet, verbose, outputFormat, downloads, corpus, baseUrl,
            format, years, tags, ignoreCase, keys, value, delimiter, header,
            cluster, nodes, joinTimeout,
        };

        command.SetAction((parsed, cancellationToken) =>
        {
            var settings = new CountSettings
            {
                Inputs = parsed.GetValue(inputs) ?? [],
                Words = parsed.GetValue(words) ?? [],
                Top = parsed.GetValue(top),
                OutputPath = parsed.GetValue(output),
                OutputFormat = parsed.GetValue(outputFormat),
                Threads = parsed.GetValue(threads) ?? Environment.ProcessorCount,
                Executor = parsed.GetValue(executor) ?? ThreadExecutor.ExecutorName,
                BlockSize = parsed.GetValue(blockSize),
                MaxLineLength = parsed.GetValue(maxLineLength),
                SkipBadRows = parsed.GetValue(skipBad),
                RejectsPath = parsed.GetValue(rejects),
                SkipBadFiles = parsed.GetValue(skipBadFiles),
                CheckpointDirectory = parsed.GetValue(checkpoint),
                Quiet = parsed.GetValue(quiet),
                Verbose = parsed.GetValue(verbose),
                Downloads = parsed.GetValue(downloads),
                CorpusUrls = CorpusOptions.Urls(parsed.GetValue(corpus), parsed.GetValue(baseUrl), withTotalCounts: false),
                Format = FormatOptions.Choice(parsed.GetValue(format), parsed.GetValue(years), parsed.GetValue(tags), parsed.GetValue(ignoreCase),
                    parsed.GetResult(keys) is null ? null : parsed.GetValue(keys), parsed.GetValue(value), parsed.GetValue(delimiter), parsed.GetValue(header)),
            };
            settings.Validate();
            if (parsed.GetValue(cluster) is { } address)
            {
                // The cluster executor is built per job from its address; --executor names the rest.
                int wanted = parsed.GetValue(nodes) ?? 1;
                var timeout = parsed.GetValue(joinTimeout) is { } text ? ClusterSupport.ParseDuration("--join-timeout", text) : TimeSpan.FromSeconds(60);
                if (wanted < 1)
                {
                    throw new UsageException($"--nodes {wanted}: must be at least 1");
                }

                executors = ExecutorRegistry.WithBuiltIns(environment.WorkerCommand).Add("cluster", () => ClusterSupport.CreateExecutor(address, wanted, timeout));
                settings = settings with { Executor = "cluster" };
            }
            else if (parsed.GetValue(nodes) is not null || parsed.GetValue(joinTimeout) is not null)
            {
                throw new UsageException($"{(parsed.GetValue(nodes) is not null ? "--nodes" : "--join-timeout")} needs --cluster");
            }

            return RunAsync(settings, environment, executors, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(CountSettings settings, CliEnvironment environment, ExecutorRegistry executors, CancellationToken cancellationToken)
    {
        // The options are checked before the inputs, so that a usage error is reported as one
        // (exit 2) even when an input is missing too.
        var options = Options(settings, environment, executors);
        var outputFormat = OutputFiles.Choose(settings.OutputPath, settings.OutputFormat);

        // Every input is found and opened once before any work starts, so a typo in the tenth
        // path fails in milliseconds instead of after the first nine are counted.
        var notes = new List<string>();
        var http = Tally.Sources.Http.HttpSourceOptions.FromEnvironment() with
        {
            MaxDownloads = settings.Downloads,
            Note = settings.Verbose ? note => environment.Error.WriteLine($"tally: {KeyTextPrintable(note)}") : null,
        };
        var sources = InputResolver.WithHttp(http).ResolveAll([.. settings.Inputs, .. settings.CorpusUrls], environment.OpenStandardInput, notes.Add);
        if (settings.CheckpointDirectory is { } checkpoints)
        {
            // A checkpoint folder inside an input folder, reached by a glob such as data/**, holds
            // tally's own files: never data.
            string inside = Path.GetFullPath(checkpoints).TrimEnd('/') + "/";
            var own = sources.Where(s => s.Address is { } address && address.StartsWith(inside, StringComparison.Ordinal)).ToList();
            sources = [.. sources.Except(own)];
            notes.AddRange(own.Select(s => $"{s.Name}: passed over: it is in the checkpoint folder"));
            if (sources.Count == 0)
            {
                throw new TallyInputException("every input is in the checkpoint folder");
            }
        }

        sources = await InputSniff.CheckAsync(sources, options, settings.SkipBadFiles, environment.Error).ConfigureAwait(false);
        OutputFiles.CheckNotAnInput("-o", settings.OutputPath, sources);
        OutputFiles.CheckNotAnInput("--rejects", settings.RejectsPath, sources);
        if (settings.Verbose)
        {
            foreach (string note in notes)
            {
                await environment.Error.WriteLineAsync(TallyApp.Printable($"tally: {note}")).ConfigureAwait(false);
            }
        }

        if (settings.CheckpointDirectory is not null && sources.FirstOrDefault(s => !s.CanReopen) is { } once)
        {
            await environment.Error.WriteLineAsync(TallyApp.Printable($"tally: {once.Name} is read once, so it cannot be checkpointed; it is read in full on every run")).ConfigureAwait(false);
        }

        var job = CountJob.Start(sources, options, progress: null, cancellationToken);
        try
        {
            return await RunJobAsync(job, settings, outputFormat, environment, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await environment.Error.WriteLineAsync(CancelledMessage(job.Snapshot(), settings)).ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>The job's options from the command line, checked by the library's own rules, with its messages naming the flags.</summary>
    internal static CountOptions Options(CountSettings settings, CliEnvironment environment, ExecutorRegistry executors)
    {
        if (!executors.TryCreate(settings.Executor, out var executor))
        {
            throw new UsageException($"--executor {settings.Executor}: not one of {string.Join(", ", executors.Names)}");
        }

        var options = new CountOptions
        {
            MapStep = FormatOptions.Step(settings.Format),
            Workers = settings.Threads,
            BlockSize = settings.EffectiveBlockSize,
            MaxLineLength = settings.EffectiveMaxLineLength,
            MalformedRows = settings.SkipBadRows ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail,
            RejectsPath = settings.RejectsPath,
            BrokenSources = settings.SkipBadFiles ? BrokenSourcePolicy.Skip : BrokenSourcePolicy.Fail,
            CheckpointDirectory = settings.CheckpointDirectory,
            TimeProvider = environment.TimeProvider,
            Executor = executor,

            // Downloads wait on the network, not a core: with URLs, as many readers as downloads.
            ConcurrentSources = settings.Inputs.Concat(settings.CorpusUrls).Any(Tally.Sources.Http.HttpInputKind.IsUrl) ? Math.Max(settings.Threads + 1, settings.Downloads) : null,
        };
        try
        {
            options.Validate();
        }
        catch (CountOptionsException e)
        {
            throw new UsageException($"{s_flags.GetValueOrDefault(e.Option, e.Option)} {e.Problem}");
        }

        return options;
    }

    private static string KeyTextPrintable(string text) => Tally.Formats.KeyText.Printable(text);

    /// <summary>The flag of each <see cref="CountOptions"/> property that a flag sets, for messages.</summary>
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        [nameof(CountOptions.Workers)] = "--workers",
        [nameof(CountOptions.BlockSize)] = "--block-size",
        [nameof(CountOptions.MaxLineLength)] = "--max-line-length",
        [nameof(CountOptions.RejectsPath)] = "--rejects",
        [nameof(CountOptions.MapStep)] = "--format",
        [nameof(CountOptions.Executor)] = "--executor",
    };

    /// <summary>The word as the job's step keys it (folded with --ignore-case).</summary>
    private static string KeyOf(CountSettings settings, string word) => FormatOptions.Step(settings.Format).KeyOf(word);

    /// <summary>How far a cancelled job got: <c>cancelled after N rows of M inputs (K finished); no output was written</c>.</summary>
    internal static string CancelledMessage(CountProgress snapshot, CountSettings settings)
    {
        int finished = snapshot.Sources.Count(s => s.Status == SourceStatus.Done);
        string saved = settings.CheckpointDirectory is { } folder && finished > 0
            ? $"; checkpoints are kept in {folder}"
            : "";
        return $"tally: cancelled after {Units.Count(snapshot.Rows)} rows of {snapshot.Sources.Count} inputs ({finished} finished); no output was written{saved}";
    }

    private static async Task<int> RunJobAsync(CountJob job, CountSettings settings, OutputFormat? outputFormat, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var live = !settings.Quiet && environment.ProgressTerminal is { } terminal
            ? new LiveProgress(terminal, job, settings.Verbose, environment.TimeProvider)
            : null;
        if (settings.Verbose)
        {
            // Which inflater runs explains a gzip timing that differs between machines.
            await environment.Error.WriteLineAsync($"tally: gzip inflate: {DataSource.GzipInflater}").ConfigureAwait(false);
        }

        Task view = live?.RunAsync() ?? (settings.Verbose ? PlainProgress.RunAsync(environment.Error, job) : DrainAsync(job));

        CountResult result;
        try
        {
            result = await job.Result.ConfigureAwait(false);
        }
        finally
        {
            await QuietlyAsync(view).ConfigureAwait(false);
        }

        if (live is not null)
        {
            await SummaryWriter.WriteInputsAsync(environment.Error, result, environment.ProgressTerminal!.Size().Width).ConfigureAwait(false);
        }

        var writing = TimeSpan.Zero;
        if (settings.OutputPath == CountSettings.StandardStream && outputFormat is not null)
        {
            await environment.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            var stdout = environment.OutBytes ?? environment.OpenStandardOutput();
            await outputFormat.WriteAsync(result, stdout, cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (settings.OutputPath is { } path && outputFormat is not null)
        {
            writing = await OutputNotice.WriteAsync(environment.Error, live is not null, settings.Verbose, path,
                () => outputFormat.WriteAsync(result, path, cancellationToken), environment.TimeProvider).ConfigureAwait(false);
        }

        if (live is not null || settings.Verbose)
        {
            await environment.Error.WriteLineAsync(SummaryWriter.Totals(result, result.Elapsed + writing, environment.ProgressTerminal?.Size().Width ?? int.MaxValue)).ConfigureAwait(false);
        }

        // Warnings, not progress: printed even with --quiet, since they change what the totals mean;
        // last, where they are seen.
        await SkipReport.WriteAsync(environment.Error, result, settings.RejectsPath).ConfigureAwait(false);

        await WriteResultsAsync(environment, settings, result).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static async Task WriteResultsAsync(CliEnvironment environment, CountSettings settings, CountResult result)
    {
        var output = environment.Out;
        if (settings.Words.Count > 0)
        {
            // A word is looked up, and printed, as its bytes: an argument that is not valid UTF-8
            // (Program.cs keeps its bytes, see UnixName) matches the same bytes in the data.
            // Under --ignore-case the total is that of the folded key; the word is printed as typed.
            await WriteRowsAsync(environment,
                [.. settings.Words.Select(w => new KeyTotal(Platform.UnixName.Encode(w), result.GetTotal(Platform.UnixName.Encode(KeyOf(settings, w)))))]).ConfigureAwait(false);
        }

        if (settings.EffectiveTop is { } n and > 0)
        {
            if (environment.IsOutputInteractive)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"# top {Math.Min(n, result.Count)} of {result.Count:N0} ngrams ({result.Rows:N0} rows)")).ConfigureAwait(false);
            }

            await WriteRowsAsync(environment, result.Top(n)).ConfigureAwait(false);
        }

        await output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Rows as <c>-o</c> writes them: the ngram's bytes unchanged, even when they are not valid UTF-8.</summary>
    private static async Task WriteRowsAsync(CliEnvironment environment, IReadOnlyList<KeyTotal> top)
    {
        if (environment.IsOutputInteractive)
        {
            foreach (string line in ResultColumns.Align([.. top.Select(t => (t.Key, t.Total))]))
            {
                await environment.Out.WriteLineAsync(line).ConfigureAwait(false);
            }

            return;
        }

        if (environment.OutBytes is not { } stream)
        {
            foreach (var entry in top)
            {
                // In-process (tests): the key as a name carries it, invalid bytes as escapes.
                await environment.Out.WriteLineAsync($"{Platform.UnixName.Decode(entry.Utf8.Span)}\t{entry.Total.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            }

            return;
        }

        // Out flushes every line (AutoFlush), so nothing it holds can land after these bytes; flushing first keeps that so if it ever buffers.
        await environment.Out.FlushAsync().ConfigureAwait(false);
        var rows = new ArrayBufferWriter<byte>(TallyDefaults.OutputStreamBufferBytes);
        foreach (var entry in top)
        {
            entry.WriteTsvRow(rows);
            if (rows.WrittenCount >= TallyDefaults.OutputStreamBufferBytes)
            {
                await stream.WriteAsync(rows.WrittenMemory).ConfigureAwait(false);
                rows.ResetWrittenCount();
            }
        }

        await stream.WriteAsync(rows.WrittenMemory).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    private static async Task DrainAsync(CountJob job)
    {
        await foreach (var _ in job.Completions.ConfigureAwait(false))
        {
        }
    }

    private static async Task QuietlyAsync(Task task)
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
