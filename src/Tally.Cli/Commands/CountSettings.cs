namespace Tally.Cli.Commands;

/// <summary>The options of <c>tally count</c>, validated.</summary>
internal sealed record CountSettings
{
    public required IReadOnlyList<string> Inputs { get; init; }

    public IReadOnlyList<string> Words { get; init; } = [];

    /// <summary>How many of the largest ngrams to print; null when not asked for.</summary>
    public int? Top { get; init; }

    public string? OutputPath { get; init; }

    /// <summary><c>--output-format NAME</c>: the format of <c>-o</c>; null to choose by the file's extension.</summary>
    public string? OutputFormat { get; init; }

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary><c>--executor NAME</c>: where the map step runs, a name of the executor registry.</summary>
    public string Executor { get; init; } = Tally.Executors.Threads.ThreadExecutor.ExecutorName;

    public int? BlockSize { get; init; }

    /// <summary>Longest line accepted, in bytes; null for the default.</summary>
    public int? MaxLineLength { get; init; }

    /// <summary><c>--skip-bad</c>: skip malformed rows instead of stopping at the first.</summary>
    public bool SkipBadRows { get; init; }

    /// <summary><c>--rejects FILE</c>: where every skipped row is written.</summary>
    public string? RejectsPath { get; init; }

    /// <summary><c>--skip-bad-files</c>: leave out files that cannot be read to the end.</summary>
    public bool SkipBadFiles { get; init; }

    /// <summary><c>--checkpoint DIR</c>: save finished files' tables there and resume from them.</summary>
    public string? CheckpointDirectory { get; init; }

    public bool Quiet { get; init; }

    /// <summary><c>--format</c>, the filters and the tsv columns, as given.</summary>
    public Tally.Formats.FormatChoice Format { get; init; } = new();

    public bool Verbose { get; init; }

    /// <summary>Bodies downloaded at once (<c>--downloads</c>).</summary>
    public int Downloads { get; init; } = 4;

    /// <summary>The URLs of a catalogue corpus (<c>--corpus</c>, <c>--base-url</c>), counted after <see cref="Inputs"/>.</summary>
    public IReadOnlyList<string> CorpusUrls { get; init; } = [];

    /// <summary>What is printed when no result was asked for: a short top list.</summary>
    public const int DefaultTop = 10;

    public int? EffectiveTop => Top ?? (Words.Count == 0 && OutputPath is null ? DefaultTop : null);

    public int EffectiveBlockSize => BlockSize ?? TallyDefaults.BlockSize;

    /// <summary>The line limit: as given, or the default raised to a block.</summary>
    public int EffectiveMaxLineLength => MaxLineLength ?? Math.Max(TallyDefaults.MaxLineLength, EffectiveBlockSize);

    /// <summary>Checks what only the command line knows; the rules of the count itself are <see cref="CountOptions.Validate"/>'s.</summary>
    public void Validate()
    {
        if (Downloads < 1)
        {
            throw new UsageException($"--downloads must be at least 1, not {Downloads}");
        }

        if (Inputs.Count == 0 && CorpusUrls.Count == 0)
        {
            throw new UsageException("no inputs given: name files, URLs or --corpus NAME");
        }

        if (Top is < 0)
        {
            throw new UsageException($"--top must not be negative, not {Top}");
        }

        // An empty path would resolve to the working folder, or fail deep inside with a stack trace.
        if (Inputs.Any(i => i.Length == 0))
        {
            throw new UsageException("an input is an empty path");
        }

        foreach (var (option, path) in new[] { ("-o", OutputPath), ("--rejects", RejectsPath), ("--checkpoint", CheckpointDirectory) })
        {
            if (path is { Length: 0 })
            {
                throw new UsageException($"{option}: an empty path; give a file or folder");
            }

            if (path is not null && path.Contains('\0', StringComparison.Ordinal))
            {
                throw new UsageException($"{option}: a path cannot hold a NUL character");
            }

            // An input's name may be any bytes (UnixName); an output is written through .NET,
            // which would turn such a byte into U+FFFD: another file than the one named.
            if (path is not null && Platform.UnixName.HasEscapedBytes(path))
            {
                throw new UsageException($"{option} {TallyApp.Printable(path)}: a path that is not valid UTF-8 cannot be written; rename it or give another");
            }
        }

        if (Inputs.Any(i => i.Contains('\0', StringComparison.Ordinal)))
        {
            throw new UsageException("an input path cannot hold a NUL character");
        }

        if (RejectsPath == StandardStream)
        {
            throw new UsageException("--rejects -: the rejects file must be a file (standard output is for results; use -o -)");
        }

        foreach (string input in Inputs)
        {
            // The parser takes an unknown option for an input; a path that starts with '-' and
            // does not exist is far more likely a mistyped option than a missing file.
            if (input.Length > 1 && input[0] == '-' && !File.Exists(input) && !Directory.Exists(input))
            {
                throw new UsageException($"unknown option {input}");
            }
        }

        if (RejectsPath is not null && OutputPath is not null && OutputPath != StandardStream && Tally.Output.OutputPath.AreSameFile(RejectsPath, OutputPath))
        {
            throw new UsageException($"--rejects {RejectsPath} and -o {OutputPath} are the same file; give two files");
        }

        if (CheckpointDirectory is not null && File.Exists(CheckpointDirectory))
        {
            throw new UsageException($"--checkpoint {CheckpointDirectory}: is a file; give a folder");
        }

        if (Quiet && Verbose)
        {
            throw new UsageException("--quiet and --verbose cannot be used together");
        }

        CheckWritable("-o", OutputPath);
        CheckWritable("--rejects", RejectsPath);
    }

    /// <summary><c>-o -</c>: standard output.</summary>
    public const string StandardStream = "-";

    /// <summary>Fails now rather than after the whole count when a result file cannot be placed.</summary>
    internal static void CheckWritable(string option, string? path)
    {
        if (path is null or StandardStream)
        {
            return;
        }

        if (Directory.Exists(path))
        {
            throw new UsageException($"{option} {path}: is a folder; give a file path");
        }

        string folder = Path.GetDirectoryName(Tally.Output.OutputPath.Target(path)) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{option} {path}: the folder {folder} does not exist");
        }

        OutputFiles.CheckFolderWritable(option, path, folder);
    }
}
