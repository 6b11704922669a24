using System.Text;
using Tally.Cli.Rendering;

namespace Tally.Cli;

/// <summary>What the tool touches of the outside world, injected so tests run it in-process on text writers.</summary>
internal sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    /// <summary>The stream under <see cref="Out"/>, for ngrams written as their bytes; null where <see cref="Out"/> has none (tests), and they are decoded instead.</summary>
    /// <remarks>An ngram need not be valid UTF-8: decoded, its invalid bytes print as U+FFFD, and two ngrams that differ only there print alike.</remarks>
    public Stream? OutBytes { get; init; }

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

    /// <summary>Where live progress is drawn (stderr, with its size); null when stderr is not a terminal.</summary>
    public ProgressTerminal? ProgressTerminal { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public static CliEnvironment FromSystemConsole()
    {
        bool errorInteractive = !Console.IsErrorRedirected;
        var output = Console.OpenStandardOutput();
        var error = Utf8Writer(Console.OpenStandardError());
        return new CliEnvironment
        {
            Out = Utf8Writer(output),
            OutBytes = output,
            Error = error,
            OpenStandardInput = OpenStandardInputUnlessClosed,
            IsErrorInteractive = errorInteractive,
            IsOutputInteractive = !Console.IsOutputRedirected,
            ProgressTerminal = errorInteractive && Environment.GetEnvironmentVariable("TERM") != "dumb"
                ? ProgressTerminal.StandardError(error)
                : null,
        };
    }

    /// <summary>Standard input, or an error when the process was started with it closed: a read would wait forever on the runtime's own pipe (see <see cref="Platform.UnixStandardInput"/>).</summary>
    private static Stream OpenStandardInputUnlessClosed()
        => Platform.UnixStandardInput.IsClosed()
            ? throw new TallyInputException("standard input (-) is closed; give a file, or pipe data into tally")
            : Console.OpenStandardInput();

    /// <summary>Standard output or error as UTF-8 text, whatever the locale's charset.</summary>
    /// <remarks>
    /// Ngrams are UTF-8 bytes in the data and in <c>-o</c> files; <c>Console.Out</c> encodes with
    /// the locale's charset, so under <c>LANG=en_US.ISO-8859-1</c> it printed 日本 as <c>??</c> and
    /// naïve as Latin-1: results on the screen that differ from the data. It is also cheaper at
    /// start: <c>Console.Out</c> works out that charset and sets up the terminal layer first (see
    /// Program.cs). Flushed after every write, as <c>Console.Out</c> is, so lines leave in the
    /// order they are written, beside the live display on stderr.
    /// </remarks>
    private static TextWriter Utf8Writer(Stream stream)
        => TextWriter.Synchronized(new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
}
