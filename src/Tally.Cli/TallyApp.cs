using System.CommandLine;
using Tally.Cli.Commands;
using Tally.Cli.Usage;

namespace Tally.Cli;

/// <summary>The <c>tally</c> command line: parses, runs a command, and maps failures to exit codes.</summary>
internal static class TallyApp
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var root = new RootCommand("Tally: exact totals over large Google Books Ngram files, fast.")
        {
            CountCommand.Create(environment),
            SeriesCommand.Create(environment),
            GenCommand.Create(environment),
            CompletionCommand.Create(environment),
            WorkerModeCommand.Create(environment),
            FetchCommand.Create(environment),
            CorpusCommand.Create(environment),
            NodeCommand.Create(environment),
        };
        HelpText.Install(root);

        // Bare `tally` shows the help, as git and cargo do, rather than an error.
        var parsed = root.Parse(args.Length == 0 ? ["--help"] : AfterDoubleDash(args));
        var problems = UsageErrors.Describe(parsed);
        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                await environment.Error.WriteLineAsync($"tally: {Printable(problem)}").ConfigureAwait(false);
            }

            string command = parsed.CommandResult.Command is RootCommand ? "tally" : $"tally {parsed.CommandResult.Command.Name}";
            await environment.Error.WriteLineAsync($"Try '{command} --help'.").ConfigureAwait(false);
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

    /// <summary>
    /// The arguments with every word after <c>--</c> that starts with '-' made a path (<c>./-x</c>):
    /// <c>--</c> ends the options, so such a word names a file, never an option to be told
    /// "unknown option". A lone <c>-</c> stays standard input.
    /// </summary>
    internal static string[] AfterDoubleDash(string[] args)
    {
        int end = Array.IndexOf(args, "--");
        if (end < 0)
        {
            return args;
        }

        var result = (string[])args.Clone();
        for (int i = end + 1; i < result.Length; i++)
        {
            if (result[i].Length > 1 && result[i][0] == '-')
            {
                result[i] = "./" + result[i];
            }
        }

        return result;
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
