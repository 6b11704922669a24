using System.CommandLine;

namespace Tally.Cli.Commands;

/// <summary><c>tally gen</c>: writes a reproducible synthetic Ngram v2 set (see Tally.Generation).</summary>
internal static class GenCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("gen", "Write synthetic Google Books Ngram v2 files (reproducible from a seed).");
        command.SetAction((_, _) => Task.FromResult(environment is null ? 1 : ExitCodes.Usage));
        return command;
    }
}
