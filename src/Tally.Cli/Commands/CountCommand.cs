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
        var job = new JobOptions(environment);
        var words = new Option<string[]>("--word", "-w")
        {
            Description = "Print this ngram's total (0 when absent). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var top = new Option<int?>("--top", "-n") { Description = "Print the N ngrams with the largest totals." };
        var format = new Option<string>("--format")
        {
            Description = "Input format: auto (Ngram v2 or v3, decided per file from its first line; the default), ngram-v2, ngram-v3 (2020 release: "
                + "ngram TAB year,match_count,volume_count ...), tsv (delimited key and integer value columns; see --key), or words (plain text: every "
                + "run of non-whitespace counts 1). Examples: --format ngram-v3; --format tsv --key 1 --value 3 --delimiter , --header; --format words",
            DefaultValueFactory = _ => Tally.Formats.Auto.AutoMapStep.StepName,
        };
        var keys = new Option<int[]>("--key") { Description = "tsv: the 1-based key column (default 1); repeat to join several columns into one key with TAB.", AllowMultipleArgumentsPerToken = false };
        var value = new Option<int?>("--value") { Description = "tsv: the 1-based column of non-negative integer values to sum (default 2)." };
        var delimiter = new Option<string?>("--delimiter") { Description = "tsv: the column delimiter, one ASCII character (default TAB; \\t also means TAB). Quoted CSV fields are not parsed: a delimiter inside quotes still splits." };
        var header = new Option<bool>("--header") { Description = "tsv: pass over the first line of each file." };
        var reduceOnNodes = ReduceOnNodes.Option();

        var command = new Command("count", "Total the match_count of every ngram over Google Books Ngram files (v2 or v3), or the values of any delimited file, or the words of text.")
        {
            words, top, format, keys, value, delimiter, header,
        };
        job.AddTo(command);
        command.Add(reduceOnNodes);

        command.SetAction((parsed, cancellationToken) =>
        {
            var choice = FormatOptions.Choice(parsed.GetValue(format), parsed.GetValue(job.Years), parsed.GetValue(job.Tags), parsed.GetValue(job.IgnoreCase),
                parsed.GetResult(keys) is null ? null : parsed.GetValue(keys), parsed.GetValue(value), parsed.GetValue(delimiter), parsed.GetValue(header));
            var settings = job.Settings(parsed, choice) with
            {
                Words = parsed.GetValue(words) ?? [],
                Top = parsed.GetValue(top),
            };

            // With --reduce-on-nodes, -o names the parts' folder and the coordinator writes nothing.
            var reduce = ReduceOnNodes.Check(parsed, reduceOnNodes, settings, parsed.GetValue(job.Cluster) is not null);
            if (reduce is not null)
            {
                settings = settings with { OutputPath = null, OutputFormat = null, Top = 0 };
            }

            settings.Validate();
            var (run, executors) = job.WithCluster(parsed, settings, environment, out var nodes, reduce);
            IReadOnlyList<IStatusLines>? extra = nodes is null ? null : reduce is null ? [nodes] : [nodes, reduce];
            return RunAsync(run, environment, executors, cancellationToken, extra, reduce);
        });
        return command;
    }

    /// <param name="extra">Lines the live display shows beside the inputs (the nodes of a cluster), if any.</param>
    /// <param name="reduce">With <c>--reduce-on-nodes</c>: the parts' request, read at the end for the summary.</param>
    public static async Task<int> RunAsync(CountSettings settings, CliEnvironment environment, ExecutorRegistry executors, CancellationToken cancellationToken, IReadOnlyList<IStatusLines>? extra = null,
        ReduceOnNodes.Request? reduce = null)
    {
        // The options are checked before the inputs, so that a usage error is reported as one
        // (exit 2) even when an input is missing too.
        var options = Options(settings, environment, executors);
        var outputFormat = OutputFiles.Choose(settings.OutputPath, settings.OutputFormat);

        var sources = await ResolveSourcesAsync(settings, options, environment, options.MapStep.Name).ConfigureAwait(false);
        var job = CountJob.Start(sources, options, progress: null, cancellationToken);
        try
        {
            return await RunJobAsync(job, settings, outputFormat, environment, extra, reduce, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await environment.Error.WriteLineAsync(CancelledMessage(job.Snapshot(), settings)).ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>
    /// The inputs of a count or series, found, opened and checked before any work starts, so a
    /// typo in the tenth path fails in milliseconds instead of after the first nine are counted.
    /// </summary>
    /// <param name="format">The format the inputs are read in (<c>auto</c>, <c>ngram-v2</c>...), for the check of what each file looks like.</param>
    /// <param name="command">The command reading them (count, series), for what the check suggests.</param>
    internal static async Task<IReadOnlyList<DataSource>> ResolveSourcesAsync(CountSettings settings, CountOptions options, CliEnvironment environment, string format, string command = "count")
    {
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

        sources = await InputSniff.CheckAsync(sources, format, settings.SkipBadFiles, environment.Error, command).ConfigureAwait(false);
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

        return sources;
    }

    /// <summary>The job's options from the command line, checked by the library's own rules, with its messages naming the flags.</summary>
    /// <param name="settings">The command line's settings.</param>
    /// <param name="environment">The console, clock and worker command.</param>
    /// <param name="executors">The executors <c>--executor</c> names.</param>
    /// <param name="step">The map step, when the command has its own (a series); otherwise the one <c>--format</c> names.</param>
    internal static CountOptions Options(CountSettings settings, CliEnvironment environment, ExecutorRegistry executors, Tally.Mapping.MapStep? step = null)
    {
        if (!executors.TryCreate(settings.Executor, out var executor))
        {
            throw new UsageException($"--executor {settings.Executor}: not one of {string.Join(", ", executors.Names)}");
        }

        var options = new CountOptions
        {
            MapStep = step ?? FormatOptions.Step(settings.Format),
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

    private static async Task<int> RunJobAsync(CountJob job, CountSettings settings, OutputFormat? outputFormat, CliEnvironment environment, IReadOnlyList<IStatusLines>? extra,
        ReduceOnNodes.Request? reduce, CancellationToken cancellationToken)
    {
        var (result, live) = await WatchAsync(job, settings, environment, extra).ConfigureAwait(false);
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
            writing = await OutputNotice.WriteAsync(environment.Error, live, settings.Verbose, path,
                () => outputFormat.WriteAsync(result, path, cancellationToken), environment.TimeProvider).ConfigureAwait(false);
        }

        // The parts were written by the nodes inside the job: the result holds no totals, the parts' figures stand in.
        var parts = reduce?.Result;
        if (live || settings.Verbose)
        {
            if (parts is not null)
            {
                await environment.Error.WriteLineAsync(TallyApp.Printable($"tally: wrote {Units.Plural(parts.Parts, "part")} to {parts.Directory}/ ({Units.Bytes(parts.Bytes)})")).ConfigureAwait(false);
            }

            string? found = parts is null ? null : $"{Units.Plural(parts.Keys, "ngram")} in {Units.Plural(parts.Parts, "part")}";
            await environment.Error.WriteLineAsync(SummaryWriter.Totals(result, result.Elapsed + writing, environment.ProgressTerminal?.Size().Width ?? int.MaxValue, found)).ConfigureAwait(false);
        }

        // Warnings, not progress: printed even with --quiet, since they change what the totals mean;
        // last, where they are seen.
        await SkipReport.WriteAsync(environment.Error, result, settings.RejectsPath).ConfigureAwait(false);

        await WriteResultsAsync(environment, settings, result).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Shows the job's progress (live bars on a terminal, lines under <c>--verbose</c>, nothing
    /// otherwise) until it ends, then the table of inputs; returns its result and whether the
    /// live display ran.
    /// </summary>
    internal static async Task<(CountResult Result, bool Live)> WatchAsync(CountJob job, CountSettings settings, CliEnvironment environment, IReadOnlyList<IStatusLines>? extra = null)
    {
        var live = !settings.Quiet && environment.ProgressTerminal is { } terminal
            ? new LiveProgress(terminal, job, settings.Verbose, environment.TimeProvider, extra)
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

        return (result, live is not null);
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
