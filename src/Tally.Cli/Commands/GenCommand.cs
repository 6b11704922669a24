using System.CommandLine;
using Tally.Cli.Generation;
using Tally.Cli.Rendering;

namespace Tally.Cli.Commands;

/// <summary><c>tally gen</c>: writes a reproducible synthetic Ngram v2 set, one file per letter, or one file with <c>-o</c>.</summary>
internal static class GenCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var folder = new Argument<string?>("FOLDER") { Description = "Folder to write one file per letter into (created if missing).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--output", "-o") { Description = "Write one file (of the one letter of --letters, 'a' by default) to this path instead." };

        // The folder was --out before -o meant the output file in every command; still read, not shown.
        var oldFolder = new Option<string?>("--out") { Hidden = true };
        var letters = new Option<string?>("--letters") { Description = "One file per letter, like the real per-letter files (default abc)." };
        var rows = new Option<long>("--rows") { Description = "Rows per file, exactly (with --format v3: year rows, grouped into fewer lines).", DefaultValueFactory = _ => 1_000_000 };
        var baseWords = new Option<int>("--base-words") { Description = "Distinct base words per file, before variants.", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<int>("--seed") { Description = "Seed; the same options give the same bytes.", DefaultValueFactory = _ => 1 };
        var plain = new Option<bool>("--plain") { Description = "Write uncompressed files instead of gzip." };
        var format = new Option<string>("--format") { Description = "v2 (ngram TAB year TAB match_count TAB volume_count per row) or v3 (the same data as the 2020 release: one line per ngram, ngram TAB year,match_count,volume_count ...).", DefaultValueFactory = _ => "v2" };

        var command = new Command("gen", "Write synthetic Google Books Ngram v2 or v3 files (Zipf totals, sorted rows, reproducible from a seed).")
        {
            folder, output, oldFolder, letters, rows, baseWords, seed, plain, format,
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
            string? file = parsed.GetValue(output);
            string? directory = parsed.GetValue(folder) ?? parsed.GetValue(oldFolder);
            string set = parsed.GetValue(letters) ?? (file is null ? "abc" : "a");
            if ((file is null) == (directory is null))
            {
                throw new UsageException("gen: give a FOLDER for one file per letter, or -o FILE for one file (e.g. tally gen data/ or tally gen -o a.gz)");
            }

            if (options.Rows < 1 || options.BaseWords < 1 || set.Length == 0 || !set.All(char.IsAsciiLetterLower))
            {
                throw new UsageException("--rows and --base-words must be positive, and --letters lower-case a-z");
            }

            string version = parsed.GetValue(format)!;
            if (version is not ("v2" or "v3"))
            {
                throw new UsageException($"--format {version}: give v2 or v3");
            }

            if (file is not null && set.Distinct().Count() != 1)
            {
                throw new UsageException($"-o {file}: one file holds one letter; give --letters with one letter, or a FOLDER for several");
            }

            try
            {
                var paths = file is not null
                    ? [(await NgramV2Generator.WriteFileAsync(file, set[0], options, cancellationToken).ConfigureAwait(false)).Path]
                    : await NgramV2Generator.WriteSetAsync(directory!, set, options, cancellationToken).ConfigureAwait(false);
                if (version == "v3")
                {
                    // The same rows as v2, regrouped one line per ngram, so both sets give one table.
                    await Task.WhenAll(paths.Select(path => NgramV3Conversion.ConvertAsync(path, options.Gzip, cancellationToken))).ConfigureAwait(false);
                }

                foreach (string path in paths)
                {
                    await environment.Out.WriteLineAsync($"{path}\t{Units.Bytes(new FileInfo(path).Length)}").ConfigureAwait(false);
                }
            }
            catch (ArgumentOutOfRangeException e) when (e.ParamName == "rowTarget")
            {
                throw new UsageException($"--rows {options.Rows}: {e.Message.Split(" (Parameter")[0].Replace("base words", "--base-words", StringComparison.Ordinal)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
