using System.CommandLine;
using System.CommandLine.Help;
using System.Reflection;

namespace Tally.Cli.Usage;

/// <summary>What <c>--help</c> adds to System.CommandLine's sections: examples, exit codes, and <c>--version</c> with the commit.</summary>
internal static class HelpText
{
    /// <summary>Short examples per command, by the command's name ("tally" for the root).</summary>
    private static readonly Dictionary<string, string[]> s_examples = new(StringComparer.Ordinal)
    {
        ["tally"] =
        [
            "tally count samples/                      # a top 10 of the bundled sample",
            "tally count data/ -w Aardvark -w zebra    # two words' totals",
            "tally count 'data/*.gz' -o totals.tsv     # every ngram's total, sorted, to a file",
            "tally gen data/ --letters abc --rows 1000000   # make a synthetic set to try",
        ],
        ["count"] =
        [
            "tally count samples/ --top 20",
            "tally count data/ -w Aardvark --quiet > aardvark.tsv",
            "tally count 'data/**/*.gz' -o totals.tsv --skip-bad --rejects bad.tsv",
            "zcat big.gz | tally count - --top 5       # standard input",
            "tally count -- -odd-name.gz               # -- ends the options",
        ],
        ["series"] =
        [
            "tally series samples-real/forever-1.tsv -w forever --totals samples-real/eng-totalcounts-1 --years 1500-2019",
            "tally series data/ -w Paris -w London -i --tags drop --smoothing 3 --chart cities.svg",
            "tally series 'data/*.gz' --words-file words.txt -o series.parquet --skip-bad",
        ],
        ["gen"] =
        [
            "tally gen data/ --letters abc --rows 1000000 --seed 42",
            "tally gen -o one.gz --rows 5000           # one file, exactly 5000 rows",
        ],
        ["completion"] =
        [
            "tally completion bash >> ~/.bashrc",
            "tally completion zsh > \"${fpath[1]}/_tally\"",
            "tally completion fish > ~/.config/fish/completions/tally.fish",
        ],
    };

    private static readonly string[] s_exitCodes =
    [
        "0    success",
        "1    bad data: a malformed row, a corrupt or truncated gzip file, a line over the limit",
        "2    usage: an unknown option, a bad value, options that do not go together",
        "3    input or output: a missing or unreadable input, an output that cannot be written",
        "130  cancelled (Ctrl+C or SIGTERM); no output file is written",
    ];

    /// <summary>Puts the examples and exit codes after every command's options, and <c>-V</c> beside <c>--version</c>.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new ExamplesHelpAction((HelpAction)help.Action!);

        var version = root.Options.OfType<VersionOption>().Single();
        root.Options.Remove(version);
        root.Options.Add(new VersionOption("--version", "-V") { Description = "Show the version and the commit it was built from", Action = new VersionAction() });
    }

    /// <summary><c>tally 1.0.0 (commit bce6420b76f7)</c>.</summary>
    public static string Version()
    {
        string informational = typeof(HelpText).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        string version = plus < 0 ? informational : informational[..plus];
        string commit = plus < 0 ? "unknown" : informational[(plus + 1)..];
        return $"tally {version} (commit {(commit.Length > 12 ? commit[..12] : commit)})";
    }

    /// <summary>The sections after the options, for <paramref name="command"/>.</summary>
    internal static string Sections(Command command)
    {
        var text = new System.Text.StringBuilder();
        if (s_examples.TryGetValue(command is RootCommand ? "tally" : command.Name, out var examples))
        {
            text.Append("Examples:\n");
            foreach (string line in examples)
            {
                text.Append("  ").Append(line).Append('\n');
            }

            text.Append('\n');
        }

        if (command is RootCommand || command.Name is "count" or "series")
        {
            text.Append("Exit codes:\n");
            foreach (string line in s_exitCodes)
            {
                text.Append("  ").Append(line).Append('\n');
            }

            text.Append('\n');
        }

        if (command is RootCommand)
        {
            text.Append("Sizes are decimal: 1 MB = 1,000,000 bytes. Shell completion: tally completion --help.\n\n");
        }

        return text.ToString();
    }

    /// <summary>System.CommandLine's help, then <see cref="Sections"/>.</summary>
    private sealed class ExamplesHelpAction(HelpAction inner) : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        /// <summary>As System.CommandLine's own help: <c>count --help</c> needs no INPUT.</summary>
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            inner.Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.Write(Sections(parseResult.CommandResult.Command));
            return ExitCodes.Ok;
        }
    }

    private sealed class VersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version());
            return ExitCodes.Ok;
        }
    }
}
