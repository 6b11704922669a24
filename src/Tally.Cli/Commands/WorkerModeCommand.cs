using System.CommandLine;
using Tally.Mapping;
using Tally.Workers;

namespace Tally.Cli.Commands;

/// <summary><c>tally worker</c>: serves count tasks over stdin and stdout for <c>tally count --executor processes</c>.</summary>
/// <remarks>Started by a parent, not by hand: stdin and stdout carry the binary protocol, so nothing else may be printed there.</remarks>
internal static class WorkerModeCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("worker", "Serve count tasks from a parent 'tally count --executor processes' over stdin and stdout (binary protocol).") { Hidden = true };
        command.SetAction((_, cancellationToken) =>
        {
            // Raw streams: the protocol is binary, and a text writer's buffering or encoding would corrupt it.
            var input = environment.OpenStandardInput();
            var output = environment.OpenStandardOutput();
            return WorkerHost.RunAsync(input, output, MapStepRegistry.WithBuiltIns(), cancellationToken);
        });
        return command;
    }
}
