using System.Buffers;
using System.Buffers.Text;
using System.CommandLine;
using System.Globalization;
using Tally.Cli.Rendering;
using Tally.Execution;
using Tally.Formats.Auto;
using Tally.Formats.NgramV2;
using Tally.Formats.NgramV3;
using Tally.Output;
using Tally.Platform;
using Tally.Series;

namespace Tally.Cli.Commands;

/// <summary><c>tally series INPUT... -w WORD...</c>: the match_count of each queried ngram per year, a local Ngram Viewer.</summary>
internal static class SeriesCommand
{
    /// <summary>The flag of each <see cref="SeriesQuery"/> property, for messages.</summary>
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        [nameof(SeriesQuery.Words)] = "-w (or --words-file)",
        [nameof(SeriesQuery.Totals)] = "--totals",
        [nameof(SeriesQuery.Smoothing)] = "--smoothing",
        [nameof(SeriesQuery.Format)] = "--format",
        ["Years"] = "--years",
    };

    public static Command Create(CliEnvironment environment)
    {
        var job = new JobOptions(environment);
        var words = new Option<string[]>("--word", "-w")
        {
            Description = "An ngram to follow (words separated by spaces for longer ngrams: -w 'for ever'). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var wordsFile = new Option<string?>("--words-file") { Description = "A file of ngrams to follow, one per line (thousands cost about what a count costs)." };
        var totals = new Option<string[]>("--totals")
        {
            Description = "A Google total-counts file (googlebooks-eng-all-totalcounts-20120701.txt, or the 2020 release's totalcounts-N): the values "
                + "become relative frequencies, match_count / total match_count of the year, as the Viewer shows them. N-grams are divided by "
                + "the totals for N words, known from the file's name or declared as N=FILE. Repeatable (one per N).",
            AllowMultipleArgumentsPerToken = false,
        };
        var smoothing = new Option<int>("--smoothing") { Description = "The Viewer's smoothing: each year shows the mean of the years within N on either side (fewer at the ends of the range). Default 0.", DefaultValueFactory = _ => 0 };
        var format = new Option<string>("--format")
        {
            Description = "Input format: auto (Ngram v2 or v3, decided per file; the default), ngram-v2 or ngram-v3.",
            DefaultValueFactory = _ => AutoMapStep.StepName,
        };
        format.AcceptOnlyFromAmong(AutoMapStep.StepName, NgramV2MapStep.StepName, NgramV3MapStep.StepName);
        var chart = new Option<string?>("--chart") { Description = "Draw the series to FILE.svg or FILE.png (1200x600): year across, frequency up (per cent with --totals, else match count), a line and legend entry per ngram." };
        var perMillion = new Option<bool>("--per-million") { Description = "With --totals and --chart: show frequencies per million words instead of per cent." };

        var command = new Command("series", "Follow ngrams year by year over Google Books Ngram files (v2 or v3): match counts, or relative frequencies with --totals, smoothed like the Ngram Viewer, as a table and a chart.")
        {
            words, wordsFile, totals, smoothing, format, chart, perMillion,
        };
        job.AddTo(command);
        job.Output.Description = "Write the series in long form, one row per ngram and year (ngram, year, match_count, then relative_frequency with --totals "
            + "and smoothed with --smoothing), to this file (- for standard output, instead of the wide table). The extension chooses the format: "
            + ".tsv, .csv, .jsonl, .parquet, .sqlite or .db (table series).";

        command.SetAction((parsed, cancellationToken) =>
        {
            var choice = FormatOptions.Choice(parsed.GetValue(format), parsed.GetValue(job.Years), parsed.GetValue(job.Tags), parsed.GetValue(job.IgnoreCase),
                null, null, null, header: false);
            var settings = job.Settings(parsed, choice);
            settings.Validate();
            var query = new SeriesQuery
            {
                Words = [.. parsed.GetValue(words) ?? [], .. ReadWords(parsed.GetValue(wordsFile))],
                Format = choice.Format,
                Filter = new Tally.Formats.Filters.NgramFilter { Years = choice.Years, Tags = choice.Tags, IgnoreCase = choice.IgnoreCase },
                Totals = [.. (parsed.GetValue(totals) ?? []).Select(ReadTotals)],
                Smoothing = parsed.GetValue(smoothing),
            };
            string? chartPath = parsed.GetValue(chart);
            if (chartPath is not null && !IsChartPath(chartPath))
            {
                throw new UsageException($"--chart {chartPath}: give a file ending in .svg or .png");
            }

            // As -o is checked: a chart that cannot be written fails now, not after the job.
            CountSettings.CheckWritable("--chart", chartPath);

            if (parsed.GetValue(perMillion) && (chartPath is null || query.Totals.Count == 0))
            {
                throw new UsageException("--per-million needs --chart and --totals");
            }

            var (run, executors) = job.WithCluster(parsed, settings, environment, out var nodes);
            return RunAsync(run, query, new ChartRequest(chartPath, parsed.GetValue(perMillion)), environment, executors, cancellationToken, nodes is null ? null : [nodes]);
        });
        return command;
    }

    /// <summary>Where the chart goes, and its scale.</summary>
    internal sealed record ChartRequest(string? Path, bool PerMillion);

    internal static bool IsChartPath(string path)
        => path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".png", StringComparison.OrdinalIgnoreCase);

    /// <param name="extra">Lines the live display shows beside the inputs (the nodes of a cluster), if any.</param>
    public static async Task<int> RunAsync(CountSettings settings, SeriesQuery query, ChartRequest chart, CliEnvironment environment, ExecutorRegistry executors, CancellationToken cancellationToken, IReadOnlyList<IStatusLines>? extra = null)
    {
        SeriesMapStep step;
        try
        {
            step = query.CreateStep();
        }
        catch (CountOptionsException e)
        {
            throw new UsageException($"{s_flags.GetValueOrDefault(e.Option, e.Option)} {e.Problem}");
        }

        var options = CountCommand.Options(settings, environment, executors, step);
        var outputFormat = OutputFiles.Choose(settings.OutputPath, settings.OutputFormat);
        if (outputFormat is { CanWriteRecords: false })
        {
            throw new UsageException($"--output-format {outputFormat.Name}: cannot write a series");
        }

        foreach (var (option, path) in new[] { ("--chart", chart.Path) })
        {
            if (path is not null)
            {
                OutputFiles.CheckNotAnInput(option, path, []);
            }
        }

        var sources = await CountCommand.ResolveSourcesAsync(settings, options, environment, query.Format, "series").ConfigureAwait(false);
        if (chart.Path is { } chartPath)
        {
            OutputFiles.CheckNotAnInput("--chart", chartPath, sources);
        }

        var job = SeriesJob.Start(sources, query, options, progress: null, cancellationToken);
        try
        {
            var (counts, live) = await CountCommand.WatchAsync(job.Count, settings, environment, extra).ConfigureAwait(false);
            var result = await job.Result.ConfigureAwait(false);

            var writing = TimeSpan.Zero;
            if (settings.OutputPath == CountSettings.StandardStream && outputFormat is not null)
            {
                await environment.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                var stdout = environment.OutBytes ?? environment.OpenStandardOutput();
                await outputFormat.WriteRecordsAsync(result.ToRecords(), stdout, cancellationToken).ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (settings.OutputPath is { } path && outputFormat is not null)
            {
                writing = await Rendering.OutputNotice.WriteAsync(environment.Error, live, settings.Verbose, path,
                    () => outputFormat.WriteRecordsAsync(result.ToRecords(), path, cancellationToken), environment.TimeProvider).ConfigureAwait(false);
            }

            if (chart.Path is { } drawn)
            {
                await SeriesCharts.WriteAsync(result, drawn, chart.PerMillion, Title(settings, sources, query), cancellationToken).ConfigureAwait(false);
            }

            if (live || settings.Verbose)
            {
                string followed = $"{Rendering.Units.Plural(result.Series.Count, "ngram")} followed"
                    + (result.YearCount == 0 ? ", none found" : string.Create(CultureInfo.InvariantCulture, $" over {result.FirstYear}-{result.LastYear}"));
                await environment.Error.WriteLineAsync(Rendering.SummaryWriter.Totals(counts, counts.Elapsed + writing, environment.ProgressTerminal?.Size().Width ?? int.MaxValue, followed)).ConfigureAwait(false);
            }

            await Rendering.SkipReport.WriteAsync(environment.Error, counts, settings.RejectsPath).ConfigureAwait(false);
            if (settings.OutputPath != CountSettings.StandardStream)
            {
                await WriteWideAsync(environment, result).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await environment.Error.WriteLineAsync(CountCommand.CancelledMessage(job.Snapshot(), settings)).ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>The chart's title: the inputs (the first two, and how many more) and the smoothing.</summary>
    private static string Title(CountSettings settings, IReadOnlyList<Tally.Sources.DataSource> sources, SeriesQuery query)
    {
        string inputs = sources.Count switch
        {
            0 => "no input",
            1 => Path.GetFileName(sources[0].Name),
            2 => $"{Path.GetFileName(sources[0].Name)}, {Path.GetFileName(sources[1].Name)}",
            _ when settings.Inputs is [var folder] && Directory.Exists(folder) => $"{sources.Count} files in {folder}",
            _ => $"{Path.GetFileName(sources[0].Name)} and {sources.Count - 1} more files",
        };
        string smoothing = query.Smoothing == 0 ? "no smoothing" : string.Create(CultureInfo.InvariantCulture, $"smoothing {query.Smoothing}");
        return KeyTextPrintable($"{inputs} ({smoothing}{(settings.Format.IgnoreCase ? ", case-insensitive" : "")})");
    }

    private static string KeyTextPrintable(string text) => Tally.Formats.KeyText.Printable(text);

    /// <summary>
    /// The wide table on standard output: <c>year</c> and a column per ngram, a row per year.
    /// Counts print as integers; fractions as the shortest text that reads back to the same double.
    /// </summary>
    internal static async Task WriteWideAsync(CliEnvironment environment, SeriesResult result)
    {
        bool integers = !result.HasRelativeFrequencies && result.Query.Smoothing == 0;
        double[][] values = integers ? [] : [.. result.Series.Select(s => s.Values as double[] ?? [.. s.Values])];
        long[][] counts = [.. result.Series.Select(s => s.MatchCounts as long[] ?? [.. s.MatchCounts])];
        await environment.Out.FlushAsync().ConfigureAwait(false);

        // Written as bytes: a queried ngram that is not valid UTF-8 prints as the bytes it matched.
        // In-process (tests) there is no byte stream: the text writer gets the same text.
        var stream = environment.OutBytes;
        var rows = new ArrayBufferWriter<byte>(TallyDefaults.OutputStreamBufferBytes);
        rows.Write("year"u8);
        foreach (var series in result.Series)
        {
            rows.Write("\t"u8);
            rows.Write(UnixName.Encode(series.Ngram));
        }

        rows.Write("\n"u8);
        for (int i = 0; i < result.YearCount; i++)
        {
            Append(rows, result.FirstYear + i);
            for (int s = 0; s < counts.Length; s++)
            {
                var cell = rows.GetSpan(40);
                cell[0] = (byte)'\t';
                int written;
                if (integers)
                {
                    Utf8Formatter.TryFormat(counts[s][i], cell[1..], out written);
                }
                else
                {
                    // "R": the shortest text that reads back to the same double.
                    values[s][i].TryFormat(cell[1..], out written, "R", CultureInfo.InvariantCulture);
                }

                rows.Advance(written + 1);
            }

            rows.Write("\n"u8);
            if (rows.WrittenCount >= TallyDefaults.OutputStreamBufferBytes)
            {
                await FlushAsync(environment, stream, rows).ConfigureAwait(false);
            }
        }

        await FlushAsync(environment, stream, rows).ConfigureAwait(false);
        if (stream is not null)
        {
            await stream.FlushAsync().ConfigureAwait(false);
        }
        else
        {
            await environment.Out.FlushAsync().ConfigureAwait(false);
        }
    }

    private static async Task FlushAsync(CliEnvironment environment, Stream? stream, ArrayBufferWriter<byte> rows)
    {
        if (stream is not null)
        {
            await stream.WriteAsync(rows.WrittenMemory).ConfigureAwait(false);
        }
        else
        {
            await environment.Out.WriteAsync(UnixName.Decode(rows.WrittenSpan)).ConfigureAwait(false);
        }

        rows.ResetWrittenCount();
    }

    private static void Append(ArrayBufferWriter<byte> rows, long value)
    {
        Utf8Formatter.TryFormat(value, rows.GetSpan(20), out int written);
        rows.Advance(written);
    }

    /// <summary>The queries of <c>--words-file</c>: one per line, blank lines passed over, spaces and a CR at the ends dropped, bytes kept as they are.</summary>
    private static List<string> ReadWords(string? path)
    {
        if (path is null)
        {
            return [];
        }

        byte[] bytes = ReadFile("--words-file", path);
        var words = new List<string>();
        foreach (var range in bytes.AsSpan().Split((byte)'\n'))
        {
            var line = bytes.AsSpan()[range];
            if (line.EndsWith((byte)'\r'))
            {
                line = line[..^1];
            }

            // Spaces at a line's ends are an editor's leftovers, as a CR is: no ngram has them.
            line = line.Trim((byte)' ');
            if (!line.IsEmpty)
            {
                words.Add(UnixName.Decode(line));
            }
        }

        if (words.Count == 0)
        {
            throw new UsageException($"--words-file {path}: has no ngram");
        }

        return words;
    }

    /// <summary>A <c>--totals</c> value: <c>FILE</c>, or <c>N=FILE</c> to declare its ngram length.</summary>
    private static TotalCounts ReadTotals(string value)
    {
        int? n = null;
        string path = value;
        if (value.Length > 2 && value[1] == '=' && value[0] is >= '1' and <= '9' && !File.Exists(value))
        {
            n = value[0] - '0';
            path = value[2..];
        }

        byte[] bytes = ReadFile("--totals", path);
        try
        {
            return TotalCounts.Parse(bytes, path, n);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--totals {value}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    /// <summary>The bytes of a file an option names; when it cannot be read, an input error (exit 3) naming the option, never the runtime's bare message.</summary>
    private static byte[] ReadFile(string option, string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TallyInputException($"{option} {path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder reads as "access denied": say what it is.
            throw new TallyInputException($"{option} {path}: " + (Directory.Exists(path) ? "is a folder; give a file" : $"cannot be read: {e.Message}"));
        }
    }
}
