using System.CommandLine;
using Tally.Cli.Rendering;
using Tally.Execution;
using Tally.Executors.Threads;

namespace Tally.Cli.Commands;

/// <summary>
/// The options every map-reduce command takes (<c>count</c>, <c>series</c>): inputs, outputs,
/// executors, bad-data policies, checkpoints, progress, downloads, the Ngram filters and the
/// cluster, defined once so that both commands spell and explain them the same way.
/// </summary>
internal sealed class JobOptions
{
    public JobOptions(CliEnvironment environment)
    {
        Executors = ExecutorRegistry.WithBuiltIns(environment.WorkerCommand);
        Executor = new Option<string>("--executor")
        {
            Description = $"Where the map step runs: {string.Join(" or ", Executors.Names)} (default threads; processes isolates the map step in worker processes).",
            DefaultValueFactory = _ => ThreadExecutor.ExecutorName,
        };
        Executor.AcceptOnlyFromAmong([.. Executors.Names]);
    }

    public ExecutorRegistry Executors { get; }

    public Argument<string[]> Inputs { get; } = new("INPUT")
    {
        Description = "Files, folders (every file in them), glob patterns, http(s) URLs, or - for standard input. Plain or gzip.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> Output { get; } = new("--output", "-o") { Description = OutputFiles.OutputDescription };

    public Option<string?> OutputFormat { get; } = new("--output-format") { Description = OutputFiles.FormatDescription };

    public Option<int?> Threads { get; } = new("--workers", "--threads", "-t") { Description = "Map workers: threads, or worker processes with --executor processes; also the threads that sort and write -o (default: processor count)." };

    public Option<string> Executor { get; }

    public Option<int?> BlockSize { get; } = new("--block-size") { Description = "Bytes per block (advanced).", Hidden = true };

    public Option<int?> MaxLineLength { get; } = new("--max-line-length") { Description = "Longest line accepted, in bytes (default 64 MiB); a longer one makes its file broken." };

    public Option<bool> SkipBad { get; } = new("--skip-bad") { Description = "Skip malformed rows instead of stopping at the first; report how many per file, and the first few." };

    public Option<string?> Rejects { get; } = new("--rejects") { Description = "With --skip-bad: write every skipped row to this file as 'path TAB line TAB reason TAB row'." };

    public Option<bool> SkipBadFiles { get; } = new("--skip-bad-files") { Description = "Leave out entirely a file that cannot be read to its end (corrupt or truncated gzip, a line over the limit), and list it." };

    public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "Save each finished file's totals in this folder; a rerun of the same command resumes from them." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print no progress or summary." };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Print a line per finished input (with the format it was read in), even when stderr is not a terminal; with --cluster, a line per task (node, table size and transfer rate) too." };

    public Option<string?> Cluster { get; } = new("--cluster") { Description = "Run the map step on cluster nodes ('tally node'): listen at HOST:PORT as the coordinator, or use a standing cluster's redis://HOST:PORT." };

    public Option<int?> Nodes { get; } = new("--nodes") { Description = "With --cluster: nodes to wait for before starting (default 1)." };

    public Option<string?> JoinTimeout { get; } = new("--join-timeout") { Description = "With --cluster: how long to wait for --nodes nodes (default 60s); then exit 3." };

    public Option<string?> Listen { get; } = new("--listen") { Description = "With --cluster redis://HOST:PORT: where this coordinator listens, HOST:PORT (port 0: a free one; default loopback), so that nodes on other machines reach it." };

    public Option<string?> TlsCertificate { get; } = ClusterSupport.TlsCertificateOption();

    public Option<string?> TlsCa { get; } = ClusterSupport.TlsCaOption();

    public Option<string?> Years { get; } = new("--years") { Description = "Ngram formats: count only rows (v2) or year,match_count,volume_count fields (v3) of these years, inclusive: 1800-1999, 1800-, -1899 or 2000. Example: --years 2010-2019" };

    public Option<string?> Tags { get; } = new("--tags")
    {
        Description = "Ngram formats: keep (every row under its own string; the default), drop (only rows with no part-of-speech tag such as book_NOUN "
            + "and no pure tag such as _NOUN_ or _START_), or only (only rows with a tagged token). Summing every row with keep double counts: "
            + "a tagged row repeats counts of its untagged form, and v3's pure-tag rows add up to nearly the whole corpus. Example: --tags drop",
    };

    public Option<bool> IgnoreCase { get; } = new("--ignore-case", "-i") { Description = "Total under the Unicode lower-case form of each key (per character, culture-invariant; invalid UTF-8 kept as is), summing case variants; --word looks up the folded form. Example: -i -w Paris totals paris, Paris, PARIS..." };

    public Option<int> Downloads { get; } = new("--downloads") { Description = "URLs downloaded at once (default 4).", DefaultValueFactory = _ => 4 };

    public Option<string?> Corpus { get; } = CorpusOptions.Corpus();

    public Option<string?> BaseUrl { get; } = CorpusOptions.BaseUrl();

    /// <summary>Adds every option (and the inputs) to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Inputs);
        foreach (var option in new Option[]
        {
            Output, Threads, Executor, BlockSize, MaxLineLength, SkipBad, Rejects, SkipBadFiles, Checkpoint, Quiet, Verbose, OutputFormat, Downloads, Corpus, BaseUrl,
            Years, Tags, IgnoreCase, Cluster, Nodes, JoinTimeout, Listen, TlsCertificate, TlsCa,
        })
        {
            command.Add(option);
        }
    }

    /// <summary>The settings these options give, with the format and filters in <paramref name="format"/>.</summary>
    public CountSettings Settings(ParseResult parsed, Tally.Formats.FormatChoice format, bool withTotalCounts = false) => new()
    {
        Inputs = parsed.GetValue(Inputs) ?? [],
        OutputPath = parsed.GetValue(Output),
        OutputFormat = parsed.GetValue(OutputFormat),
        Threads = parsed.GetValue(Threads) ?? Environment.ProcessorCount,
        Executor = parsed.GetValue(Executor) ?? ThreadExecutor.ExecutorName,
        BlockSize = parsed.GetValue(BlockSize),
        MaxLineLength = parsed.GetValue(MaxLineLength),
        SkipBadRows = parsed.GetValue(SkipBad),
        RejectsPath = parsed.GetValue(Rejects),
        SkipBadFiles = parsed.GetValue(SkipBadFiles),
        CheckpointDirectory = parsed.GetValue(Checkpoint),
        Quiet = parsed.GetValue(Quiet),
        Verbose = parsed.GetValue(Verbose),
        Downloads = parsed.GetValue(Downloads),
        CorpusUrls = CorpusOptions.Urls(parsed.GetValue(Corpus), parsed.GetValue(BaseUrl), withTotalCounts),
        Format = format,
    };

    /// <summary>With <c>--cluster</c>, the settings and executors that run the job on the cluster, and the live display's lines for its nodes; otherwise both unchanged and no lines.</summary>
    /// <param name="parsed">The command line.</param>
    /// <param name="settings">The settings so far.</param>
    /// <param name="environment">The console.</param>
    /// <param name="nodes">The live display's node lines, with <c>--cluster</c>.</param>
    /// <param name="reduce">With <c>--reduce-on-nodes</c> (count only, checked by <see cref="ReduceOnNodes.Check"/>): the parts to write on the nodes.</param>
    public (CountSettings Settings, ExecutorRegistry Executors) WithCluster(ParseResult parsed, CountSettings settings, CliEnvironment environment, out NodeLines? nodes, ReduceOnNodes.Request? reduce = null)
    {
        nodes = null;
        if (parsed.GetValue(Cluster) is { } address)
        {
            // The cluster executor is built per job from its address; --executor names the rest.
            int wanted = parsed.GetValue(Nodes) ?? 1;
            var timeout = parsed.GetValue(JoinTimeout) is { } text ? ClusterSupport.ParseDuration("--join-timeout", text) : TimeSpan.FromSeconds(60);
            if (wanted < 1)
            {
                throw new UsageException($"--nodes {wanted}: must be at least 1");
            }

            var tls = new ClusterSupport.TlsFiles(parsed.GetValue(TlsCertificate), parsed.GetValue(TlsCa));
            tls.Validate();
            string? listen = parsed.GetValue(Listen);
            if (listen is not null && !address.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"--listen {listen}: only with --cluster redis://HOST:PORT; a coordinator without Redis listens at its --cluster address");
            }

            var lines = nodes = new NodeLines();
            var executors = ExecutorRegistry.WithBuiltIns(environment.WorkerCommand).Add("cluster", () => ClusterSupport.CreateExecutor(address, wanted, timeout, lines, TaskLines(settings, environment), tls, reduce, listen));
            return (settings with { Executor = "cluster" }, executors);
        }

        if (parsed.GetValue(Nodes) is not null || parsed.GetValue(JoinTimeout) is not null || parsed.GetValue(Listen) is not null)
        {
            throw new UsageException($"{(parsed.GetValue(Nodes) is not null ? "--nodes" : parsed.GetValue(JoinTimeout) is not null ? "--join-timeout" : "--listen")} needs --cluster");
        }

        if (parsed.GetValue(TlsCertificate) is not null || parsed.GetValue(TlsCa) is not null)
        {
            throw new UsageException($"{(parsed.GetValue(TlsCertificate) is not null ? "--tls-certificate" : "--tls-ca")} needs --cluster");
        }

        return (settings, Executors);
    }

    /// <summary>
    /// With <c>--verbose</c> and no live display (stderr not a terminal), a line per cluster task
    /// event; on a terminal the node lines show the same, and lines written from the dispatch loop
    /// would tear the display's redraws.
    /// </summary>
    private static Action<string>? TaskLines(CountSettings settings, CliEnvironment environment)
    {
        if (!settings.Verbose || (!settings.Quiet && environment.ProgressTerminal is not null))
        {
            return null;
        }

        var error = environment.Error;
        return line =>
        {
            // From the dispatch loop, while the plain progress writes from its own: one line at a time.
            lock (error)
            {
                error.WriteLine($"tally: {line}");
            }
        };
    }
}
