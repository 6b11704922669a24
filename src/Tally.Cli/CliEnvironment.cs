using Spectre.Console;

namespace Tally.Cli;

/// <summary>What the tool touches of the outside world, injected so tests run it in-process on text writers.</summary>
internal sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<Stream> OpenStandardInput { get; init; }

    /// <summary>Raw stdout, for <c>tally worker</c>'s binary protocol.</summary>
    public Func<Stream> OpenStandardOutput { get; init; } = Console.OpenStandardOutput;

    /// <summary>How <c>--executor processes</c> starts a worker: this program again, as <c>tally worker</c>.</summary>
    public Func<Workers.WorkerCommand> WorkerCommand { get; init; } = static () => Workers.WorkerCommand.ForCurrentProcess("worker");

    /// <summary>Whether stderr is a terminal: live progress is drawn only then.</summary>
    public bool IsErrorInteractive { get; init; }

    /// <summary>Whether stdout is a terminal: human headers are added to results only then.</summary>
    public bool IsOutputInteractive { get; init; }

    /// <summary>Draws progress on stderr; null when stderr is not a terminal.</summary>
    public IAnsiConsole? ProgressConsole { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public static CliEnvironment FromSystemConsole()
    {
        bool errorInteractive = !Console.IsErrorRedirected;
        return new CliEnvironment
        {
            Out = Console.Out,
            Error = Console.Error,
            OpenStandardInput = Console.OpenStandardInput,
            IsErrorInteractive = errorInteractive,
            IsOutputInteractive = !Console.IsOutputRedirected,
            ProgressConsole = errorInteractive
                ? AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(Console.Error),
                    Ansi = AnsiSupport.Detect,
                    Interactive = InteractionSupport.Yes,
                })
                : null,
        };
    }
}
