using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Tally.Cli.Tests;

/// <summary>The built <c>tally</c> run as a real process (<c>dotnet tally.dll</c> from the test's output folder), so signals and kills are real.</summary>
/// <remarks>The test project references Tally.Cli, so every build puts <c>tally.dll</c> beside the tests.</remarks>
internal sealed class TallyProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _error = [];
    private readonly List<string> _output = [];
    private readonly Lock _lock = new();

    private TallyProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => Add(_error, e.Data);
        _process.OutputDataReceived += (_, e) => Add(_output, e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>
    /// The cache folder every tally started here is given (<c>XDG_CACHE_HOME</c>), in the tests' build
    /// output: its start-up profiles (<see cref="StartupProfile"/>) go there, not to the home folder.
    /// </summary>
    public static string Cache { get; } = Path.Combine(AppContext.BaseDirectory, "cache");

    public int Id => _process.Id;

    public string[] ErrorLines
    {
        get
        {
            lock (_lock)
            {
                return [.. _error];
            }
        }
    }

    public string Error => string.Concat(ErrorLines.Select(l => l + "\n"));

    /// <summary>Standard output's lines, decoded as UTF-8.</summary>
    public string[] OutputLines => [.. OutputLineBytes.Select(Encoding.UTF8.GetString)];

    /// <summary>Standard output's lines as the bytes tally wrote, which need not be valid UTF-8.</summary>
    public byte[][] OutputLineBytes
    {
        get
        {
            lock (_lock)
            {
                // Read as Latin-1, one char per byte, so every byte comes back as it was.
                return [.. _output.Select(Encoding.Latin1.GetBytes)];
            }
        }
    }

    public static TallyProcess Start(string workingDirectory, params string[] args)
        => Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>
    /// Starts the tool's own build output (tool/tally.dll, copied by the project file) rather than
    /// the copy beside the tests, which lacks the Microsoft.Extensions assemblies that ASP.NET Core
    /// supplies to this test host but not to a <c>dotnet tally.dll</c>: <c>tally node</c> needs them.
    /// </summary>
    public static TallyProcess StartTool(string workingDirectory, params string[] args)
        => StartTool(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="StartTool(string, string[])"/>, with <paramref name="environment"/> added to this process's environment.</summary>
    public static TallyProcess StartTool(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
        => Start(workingDirectory, environment, Path.Combine(AppContext.BaseDirectory, "tool", "tally.dll"), args);

    /// <summary>Starts tally with <paramref name="environment"/> added to this process's environment.</summary>
    public static TallyProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
        => Start(workingDirectory, environment, Path.Combine(AppContext.BaseDirectory, "tally.dll"), args);

    /// <summary>Starts tally with <paramref name="signal"/> (such as HUP) ignored, as <c>nohup</c> starts a command.</summary>
    public static TallyProcess StartIgnoring(string signal, string workingDirectory, params string[] args)
        => Start(workingDirectory, new Dictionary<string, string>(), Path.Combine(AppContext.BaseDirectory, "tally.dll"), args, signal);

    private static TallyProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, string tally, string[] args, string? ignore = null)
    {
        var (launcher, prefix) = Launcher(ignore);
        var info = new ProcessStartInfo(launcher)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.Latin1,
            UseShellExecute = false,
        };
        foreach (string arg in prefix.Append(tally).Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["XDG_CACHE_HOME"] = Cache;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new TallyProcess(Process.Start(info) ?? throw new InvalidOperationException("tally did not start"));
    }

    /// <summary>Starts tally through <c>/bin/sh</c> as <c>exec tally SHELL_WORDS</c>, for what .NET cannot pass itself: an argument of raw bytes (<c>"$(printf '\\377')"</c>), standard input closed (<c>&lt;&amp;-</c>).</summary>
    public static TallyProcess StartInShell(string workingDirectory, string shellWords)
    {
        var (launcher, prefix) = Launcher();
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.Latin1,
            StandardErrorEncoding = Encoding.Latin1,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-c", $"exec \"$0\" \"$@\" {shellWords}", launcher }.Concat(prefix).Append(Path.Combine(AppContext.BaseDirectory, "tally.dll")))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["XDG_CACHE_HOME"] = Cache;
        return new TallyProcess(Process.Start(info) ?? throw new InvalidOperationException("tally did not start"));
    }

    /// <summary>Writes bytes to standard input; closing it ends the input, leaving it open keeps the job waiting.</summary>
    public void WriteInput(byte[] data, bool close)
    {
        _process.StandardInput.BaseStream.Write(data);
        _process.StandardInput.BaseStream.Flush();
        if (close)
        {
            _process.StandardInput.Close();
        }
    }

    /// <summary>Closes standard input: the end of the input.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Sends a signal by name (INT, TERM, HUP) with the system's <c>kill</c>.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGKILL: the process dies at once, with no chance to clean up.</summary>
    public void KillHard() => _process.Kill();

    /// <summary>Kills every one of <paramref name="processes"/> (SIGKILL) and disposes it: the end of a test's node processes, whatever happened.</summary>
    public static void KillAll(IEnumerable<TallyProcess> processes)
    {
        foreach (var process in processes)
        {
            process.KillHard();
            process.Dispose();
        }
    }

    /// <summary>The exit code; fails the test if the process is still running after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"tally still runs after {timeout}; stderr so far:\n{Error}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task PollAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"gave up waiting after {timeout}: {describe()}");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            lines.Add(line);
        }
    }

    /// <summary>How to start <c>dotnet</c> so that SIGINT, SIGTERM and SIGHUP reach tally with their default meaning.</summary>
    /// <remarks>
    /// A child inherits ignored signals, and the runtime keeps an inherited SIG_IGN: run from a
    /// non-interactive shell's background job (where SIGINT is ignored), or under <c>nohup</c>
    /// (SIGHUP), this test process would start a tally that never sees Ctrl+C or the hangup, and a
    /// test that sends one waits out its timeout. GNU env's <c>--default-signal</c> restores the
    /// defaults before tally starts; it is used only when needed. <paramref name="ignore"/> names a
    /// signal tally must start with ignored instead, as <c>nohup</c> starts it.
    /// </remarks>
    private static (string Launcher, string[] Prefix) Launcher(string? ignore = null)
    {
        string dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        const ulong SigHupIntAndTerm = (1UL << (1 - 1)) | (1UL << (2 - 1)) | (1UL << (15 - 1));
        string[] reset = (IgnoredSignals() & SigHupIntAndTerm) != 0 ? ["--default-signal=HUP,INT,TERM"] : [];
        string[] ignored = ignore is null ? [] : [$"--ignore-signal={ignore}"];
        return reset.Length + ignored.Length > 0 ? ("env", [.. reset, .. ignored, dotnet]) : (dotnet, []);
    }

    private static ulong IgnoredSignals()
    {
        const string Status = "/proc/self/status";
        if (!File.Exists(Status))
        {
            return 0;
        }

        string? line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is null ? 0 : ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
