using System.CommandLine;
using Tally.Cli.Commands;

namespace Tally.Cli;

/// <summary>The <c>tally</c> command line: parses, runs a command, and maps failures to exit codes.</summary>
internal static class TallyApp
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var root = new RootCommand("Tally: exact totals over large Google Books Ngram files, fast.")
        {
            CountCommand.Create(environment),
            GenCommand.Create(environment),
            WorkerModeCommand.Create(environment),
            NodeCommand.Create(environment),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await environment.Error.WriteLineAsync($"tally: {Printable(error.Message)}").ConfigureAwait(false);
            }

            await environment.Error.WriteLineAsync("Try 'tally --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
            EnableDefaultExceptionHandler = false,

            // Program.cs owns Ctrl+C and SIGTERM. Left on, System.CommandLine adds handlers of its
            // own that cancel a token of its own first, so the job's cancellation escaped the
            // catch below as an unhandled exception (exit 134 instead of 130).
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (TallyDataException e)
        {
            return await FailAsync(environment, e.Message, ExitCodes.BadData).ConfigureAwait(false);
        }
        catch (TallyInputException e)
        {
            return await FailAsync(environment, e.Message, ExitCodes.InputOutput).ConfigureAwait(false);
        }
        catch (TallyWorkerException e)
        {
            return await FailAsync(environment, e.Message, ExitCodes.InputOutput).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            return await FailAsync(environment, e.Message, ExitCodes.Usage).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await FailAsync(environment, "cancelled; no output was written", ExitCodes.Cancelled).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return await FailAsync(environment, e.Message, ExitCodes.InputOutput).ConfigureAwait(false);
        }
    }

    private static async Task<int> FailAsync(CliEnvironment environment, string message, int code)
    {
        await environment.Error.WriteLineAsync($"tally: {Printable(message)}").ConfigureAwait(false);
        return code;
    }

    /// <summary>The message with control characters shown as <c>\xNN</c>, as every message of tally shows them.</summary>
    internal static string Printable(string message) => Formats.KeyText.Printable(message);
}

/// <summary>Options that parse but do not make sense together or in range; exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
