namespace Tally.Workers;

/// <summary>How to start a worker process: a program and its arguments. The worker speaks the protocol on its stdin and stdout.</summary>
/// <remarks>
/// The program must call <see cref="WorkerHost.RunAsync"/> (as <c>tally worker</c> does) and write
/// nothing else to stdout. It starts in this process's working directory with its environment;
/// its stderr is kept, and the last of it is quoted when it fails.
/// </remarks>
public sealed class WorkerCommand
{
    /// <summary>Creates a command that runs <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    /// <param name="fileName">The program: a path, or a name found on PATH.</param>
    /// <param name="arguments">Its arguments, each passed as one argument (no shell quoting).</param>
    public WorkerCommand(string fileName, IEnumerable<string> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        FileName = fileName;
        Arguments = [.. arguments];
    }

    /// <summary>The program to run.</summary>
    public string FileName { get; }

    /// <summary>Its arguments.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>A command that runs the current program again with <paramref name="arguments"/>.</summary>
    /// <remarks>
    /// Works for an app host (<c>./tally</c>) and for a program started as <c>dotnet app.dll</c>,
    /// where the host is run again with the entry assembly. Not for a test host or a program
    /// loaded by another host: build the command from the worker program's path instead.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The running program's path is unknown.</exception>
    public static WorkerCommand ForCurrentProcess(params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string program = Environment.ProcessPath
            ?? throw new InvalidOperationException("The path of the running program is unknown.");
        if (!Path.GetFileNameWithoutExtension(program).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return new WorkerCommand(program, arguments);
        }

        // Started as `dotnet app.dll`: run the same host on the same entry assembly.
        string? name = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        string entry = name is null ? "" : Path.Combine(AppContext.BaseDirectory, name + ".dll");
        if (!File.Exists(entry))
        {
            throw new InvalidOperationException("The entry assembly of the running program cannot be found.");
        }

        return new WorkerCommand(program, ["exec", entry, .. arguments]);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(' ', [FileName, .. Arguments]);
}
