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
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print a line per finished input, even when stderr is not a terminal." };
        var cluster = new Option<string?>("--cluster") { Description = "Run the map step on cluster nodes ('tally node'): listen at HOST:PORT as the coordinator, or use a standing cluster's redis://HOST:PORT." };
        var nodes = new Option<int?>("--nodes") { Description = "With --cluster: nodes to wait for before starting (default 1)." };
        var joinTimeout = new Option<string?>("--join-timeout") { Description = "With --cluster: how long to wait for --nodes nodes (default 60s); then exit 3." };

        var command = new Command("count", "Total the match_count of every ngram over Google Books Ngram v2 files.")
        {
            inputs, words, top, output, threads, executor, blockSize, maxLineLength, skipBad, rejects, skipBadFiles, checkpoint, quiet, verbose,
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

        // Every input is found and opened once before any work starts, so a typo in the tenth
        // path fails in milliseconds instead of after the first nine are counted.
        var notes = new List<string>();
        var sources = InputResolver.Resolve(settings.Inputs, environment.OpenStandardInput, notes.Add);
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

        OutputFiles.CheckNotAnInput("-o", settings.OutputPath, sources);
        OutputFiles.CheckNotAnInput("--rejects", settings.RejectsPath, sources);
        if (settings.Verbose)
        {
            foreach (string note in notes)
            {
                await environment.Error.WriteLineAsync($"tally: {note}").ConfigureAwait(false);
            }
        }

        if (settings.CheckpointDirectory is not null && sources.FirstOrDefault(s => !s.CanReopen) is { } once)
        {
            await environment.Error.WriteLineAsync($"tally: {once.Name} is read once, so it cannot be checkpointed; it is read in full on every run").ConfigureAwait(false);
        }

        var job = CountJob.Start(sources, options, progress: null, cancellationToken);
        try
        {
            return await RunJobAsync(job, settings, environment, cancellationToken).ConfigureAwait(false);
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
            Workers = settings.Threads,
            BlockSize = settings.EffectiveBlockSize,
            MaxLineLength = settings.EffectiveMaxLineLength,
            MalformedRows = settings.SkipBadRows ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail,
            RejectsPath = settings.RejectsPath,
            BrokenSources = settings.SkipBadFiles ? BrokenSourcePolicy.Skip : BrokenSourcePolicy.Fail,
            CheckpointDirectory = settings.CheckpointDirectory,
            TimeProvider = environment.TimeProvider,
            Executor = executor,
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

    /// <summary>How far a cancelled job got: <c>cancelled after N rows of M inputs (K finished); no output was written</c>.</summary>
    internal static string CancelledMessage(CountProgress snapshot, CountSettings settings)
    {
        int finished = snapshot.Sources.Count(s => s.Status == SourceStatus.Done);
        string saved = settings.CheckpointDirectory is { } folder && finished > 0
            ? $"; checkpoints are kept in {folder}"
            : "";
        return $"tally: cancelled after {Units.Count(snapshot.Rows)} rows of {snapshot.Sources.Count} inputs ({finished} finished); no output was written{saved}";
    }

    private static async Task<int> RunJobAsync(CountJob job, CountSettings settings, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var live = !settings.Quiet && environment.ProgressConsole is not null
            ? new LiveProgress(environment.ProgressConsole, job)
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
            await SummaryWriter.WriteAsync(environment.Error, result).ConfigureAwait(false);
        }

        // Warnings, not progress: printed even with --quiet, since they change what the totals mean.
        await SkipReport.WriteAsync(environment.Error, result, settings.RejectsPath).ConfigureAwait(false);

        if (settings.OutputPath == CountSettings.StandardStream)
        {
            await environment.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            var stdout = environment.OutBytes ?? environment.OpenStandardOutput();
            await result.WriteTsvAsync(stdout, cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (settings.OutputPath is { } path)
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

            await WriteTopAsync(environment, result.Top(n)).ConfigureAwait(false);
        }

        await output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The top rows as <c>-o</c> writes them: the ngram's bytes unchanged, even when they are not valid UTF-8.</summary>
    private static async Task WriteTopAsync(CliEnvironment environment, IReadOnlyList<KeyTotal> top)
    {
        if (environment.OutBytes is not { } stream)
        {
            foreach (var entry in top)
            {
                await environment.Out.WriteLineAsync(entry.ToString()).ConfigureAwait(false);
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
