using System.CommandLine;
using Tally.Cli.Generation;
using Tally.Cli.Rendering;

namespace Tally.Cli.Commands;

/// <summary><c>tally gen</c>: writes a reproducible synthetic Ngram v2 set, one file per letter.</summary>
internal static class GenCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to write into (created if missing).", Required = true };
        var letters = new Option<string>("--letters") { Description = "One file per letter, like the real per-letter files.", DefaultValueFactory = _ => "abc" };
        var rows = new Option<long>("--rows") { Description = "Rows per file (approximate).", DefaultValueFactory = _ => 1_000_000 };
        var baseWords = new Option<int>("--base-words") { Description = "Distinct base words per file, before variants.", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<int>("--seed") { Description = "Seed; the same options give the same bytes.", DefaultValueFactory = _ => 1 };
        var plain = new Option<bool>("--plain") { Description = "Write uncompressed files instead of gzip." };
        var format = new Option<string>("--format") { Description = "v2 (ngram TAB year TAB match_count TAB volume_count per row) or v3 (the same data as the 2020 release: one line per ngram, ngram TAB year,match_count,volume_count ...).", DefaultValueFactory = _ => "v2" };

        var command = new Command("gen", "Write synthetic Google Books Ngram v2 or v3 files (Zipf totals, sorted rows, reproducible from a seed).")
        {
            output, letters, rows, baseWords, seed, plain, format,
        };

        command.SetAction(async (parsed, cancellationToken) =>
        {
            var options = new NgramV2GeneratorOptions
            {
                Seed = parsed.GetValue(seed),
                Rows = parsed.GetValue(rows),
                BaseWords = parsed.GetValue(baseWords),
                Gzip = !parsed.GetValue(plain),
            };
            string folder = parsed.GetValue(output)!;
            string set = parsed.GetValue(letters)!;
            if (options.Rows < 1 || options.BaseWords < 1 || set.Length == 0 || !set.All(char.IsAsciiLetterLower))
            {
                throw new UsageException("--rows and --base-words must be positive, and --letters lower-case a-z");
            }

            string version = parsed.GetValue(format)!;
            if (version is not ("v2" or "v3"))
            {
                throw new UsageException($"--format {version}: give v2 or v3");
            }

            var paths = await NgramV2Generator.WriteSetAsync(folder, set, options, cancellationToken).ConfigureAwait(false);
            if (version == "v3")
            {
                await Task.WhenAll(paths.Select(path => NgramV3Conversion.ConvertAsync(path, options.Gzip, cancellationToken))).ConfigureAwait(false);
            }

            foreach (string path in paths)
            {
                await environment.Out.WriteLineAsync($"{path}\t{Units.Bytes(new FileInfo(path).Length)}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
