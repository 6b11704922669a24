namespace Tally.Cli.Commands;

/// <summary>The options of <c>tally count</c>, validated.</summary>
internal sealed record CountSettings
{
    public required IReadOnlyList<string> Inputs { get; init; }

    public IReadOnlyList<string> Words { get; init; } = [];

    /// <summary>How many of the largest ngrams to print; null when not asked for.</summary>
    public int? Top { get; init; }

    public string? OutputPath { get; init; }

    public int Threads { get; init; } = Environment.ProcessorCount;

    public ExecutorKind Executor { get; init; } = ExecutorKind.Threads;

    public int? BlockSize { get; init; }

    public bool Quiet { get; init; }

    public bool Verbose { get; init; }

    /// <summary>What is printed when no result was asked for: a short top list.</summary>
    public const int DefaultTop = 10;

    public int? EffectiveTop => Top ?? (Words.Count == 0 && OutputPath is null ? DefaultTop : null);

    public void Validate()
    {
        if (Threads is < 1 or > 4096)
        {
            throw new UsageException($"--workers must be between 1 and 4096, not {Threads}");
        }

        if (Top is < 0)
        {
            throw new UsageException($"--top must not be negative, not {Top}");
        }

        if (BlockSize is < 16)
        {
            throw new UsageException($"--block-size must be at least 16 bytes, not {BlockSize}");
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

        if (Quiet && Verbose)
        {
            throw new UsageException("--quiet and --verbose cannot be used together");
        }

        if (OutputPath is not null && Directory.Exists(OutputPath))
        {
            throw new UsageException($"-o {OutputPath}: is a folder; give a file path");
        }
    }
}
