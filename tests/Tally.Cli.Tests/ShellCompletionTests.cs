using System.Diagnostics;
using Tally.Cli.Commands;

namespace Tally.Cli.Tests;

/// <summary>
/// <c>tally completion bash|zsh|fish</c> tried in the real shells, installed as the README says:
/// bash runs the registered completion function as it would on TAB; fish asks its completion
/// engine (<c>complete -C</c>); zsh runs interactively in a pseudo-terminal with compinit and the
/// script on <c>$fpath</c>, and a TAB is typed. Each test is skipped, saying so, where its shell is
/// not installed (.ci/run installs all three).
/// </summary>
public sealed class ShellCompletionTests : IDisposable
{
    /// <summary>
    /// bash: sources the script, finds the function <c>complete -p tally</c> names and calls it with
    /// the COMP_* variables bash sets for a TAB at the end of the line; prints COMPREPLY.
    /// </summary>
    private const string BashDriver = """
        source "$1" || exit 4
        function=$(complete -p tally | sed -nE 's/.* -F ([^ ]+) .*/\1/p')
        [ -n "$function" ] || { echo "no completion registered for tally" >&2; exit 5; }
        COMP_LINE="$2"
        COMP_POINT=${#COMP_LINE}
        read -r -a COMP_WORDS <<<"$COMP_LINE"
        [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        "$function" tally "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}"
        """;

    /// <summary>
    /// zsh: an interactive zsh in a pseudo-terminal, with the script as <c>_tally</c> in a folder
    /// of <c>$fpath</c> and compinit run (or sourced after compinit when the fourth argument is
    /// <c>source</c>); types the line and a TAB, and prints what the terminal
    /// shows once it holds the expected text (or after 30 s, a bound for a hung shell, not a timing check).
    /// </summary>
    private const string ZshDriver = """
        zmodload zsh/zpty || exit 4
        zpty z env TERM=dumb PS1='%% ' zsh -f -i
        read_until() {
          local chunk
          integer start=SECONDS
          while (( SECONDS - start < 30 )); do
            chunk=""
            if zpty -r -t z chunk 2>/dev/null; then out+=$chunk; else sleep 0.05; fi
            [[ $out == *"$1"* ]] && return 0
          done
          return 1
        }
        out=""
        if [[ $4 == source ]]; then
          zpty -w z "autoload -Uz compinit; compinit -u -D; source ${(q)1}; print -r -- RE''ADY"
        else
          zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D; print -r -- RE''ADY"
        fi
        read_until READY
        out=""
        zpty -n -w z "$2"$'\t'
        read_until "$3"
        zpty -d z
        print -r -- "$out"
        """;

    private readonly CliRunner _cli = new();
    private readonly string _bin;
    private readonly string _empty;

    public ShellCompletionTests()
    {
        // `tally` on PATH, as the scripts call it: the tested build.
        _bin = _cli.PathOf("bin");
        Directory.CreateDirectory(_bin);
        string tally = Path.Combine(_bin, "tally");
        File.WriteAllText(tally, $"#!/bin/sh\nexec '{CliRunner.DotnetHost()}' '{Path.Combine(AppContext.BaseDirectory, "tally.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tally, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // The shells complete file names too: run them where there are none.
        _empty = _cli.PathOf("empty");
        Directory.CreateDirectory(_empty);
        Directory.CreateDirectory(_cli.PathOf("home"));
    }

    public void Dispose() => _cli.Dispose();

    [ShellFact("bash")]
    public async Task Bash_CompletesOptionsCommandsAndValues()
    {
        string script = _cli.Write("tally.bash", CompletionCommand.Script("bash"));

        Assert.Equal(["--word", "--workers"], await BashAsync(script, "tally count --wo"));
        Assert.Equal(["completion", "corpus", "count"], await BashAsync(script, "tally co"));
        Assert.Equal(["processes", "threads"], await BashAsync(script, "tally count --executor "));
    }

    [ShellFact("fish")]
    public async Task Fish_CompletesOptionsCommandsAndValues()
    {
        string script = _cli.Write("tally.fish", CompletionCommand.Script("fish"));

        Assert.Equal(["--word", "--workers"], await FishAsync(script, "tally count --wo"));
        Assert.Equal(["completion", "corpus", "count"], await FishAsync(script, "tally co"));
        Assert.Equal(["processes", "threads"], await FishAsync(script, "tally count --executor "));
    }

    [ShellFact("zsh")]
    public async Task Zsh_FromFpath_CompletesOnTheFirstTab()
    {
        // As the README installs it: saved as _tally in a folder of $fpath, found by compinit.
        _cli.Write("fpath/_tally", CompletionCommand.Script("zsh"));

        Assert.Contains("tally count --skip-bad-files ", await ZshAsync("tally count --skip-bad-f", "--skip-bad-files "), StringComparison.Ordinal);
        Assert.Contains("tally count ", await ZshAsync("tally cou", "count "), StringComparison.Ordinal);
        Assert.Contains("--executor threads ", await ZshAsync("tally count --executor th", "threads "), StringComparison.Ordinal);
        Assert.Contains("tally count --wor", await ZshAsync("tally count --wo", "--wor"), StringComparison.Ordinal);
    }

    [ShellFact("zsh")]
    public async Task Zsh_Sourced_Completes()
    {
        // The README's other way: `source <(tally completion zsh)` after compinit.
        string script = _cli.Write("tally.zsh", CompletionCommand.Script("zsh"));

        Assert.Contains("tally count --skip-bad-files ", await ZshAsync("tally count --skip-bad-f", "--skip-bad-files ", script, "source"), StringComparison.Ordinal);
    }

    private async Task<string[]> BashAsync(string script, string line)
        => Lines(await RunAsync("bash", ["--norc", "--noprofile", "-c", BashDriver, "bash", script, line]));

    private async Task<string[]> FishAsync(string script, string line)
        => Lines(await RunAsync("fish", ["--no-config", "-c", "source $argv[1]; and complete -C $argv[2]", script, line]));

    /// <summary>Types <paramref name="line"/> and a TAB into zsh, with the script from <paramref name="from"/> (an $fpath folder, or a file to source).</summary>
    private async Task<string> ZshAsync(string line, string expected, string? from = null, string how = "fpath")
    {
        string driver = _cli.Write("drive.zsh", ZshDriver);
        return await RunAsync("zsh", ["-f", driver, from ?? _cli.PathOf("fpath"), line, expected, how]);
    }

    private static string[] Lines(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    private async Task<string> RunAsync(string shell, string[] args)
    {
        var info = new ProcessStartInfo(shell)
        {
            WorkingDirectory = _empty,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PATH"] = _bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = _cli.PathOf("home");
        info.Environment["XDG_CONFIG_HOME"] = _cli.PathOf("home/.config");
        info.Environment["XDG_DATA_HOME"] = _cli.PathOf("home/.local/share");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{shell} did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // A bound for a hung shell, not a timing assertion.
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"{shell} exited {process.ExitCode}: {await error}");
        return await output;
    }
}

/// <summary>A test that needs <c>SHELL</c> on PATH; skipped, naming it, where it is not installed.</summary>
internal sealed class ShellFactAttribute : FactAttribute
{
    public ShellFactAttribute(string shell)
    {
        bool found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, shell)));
        if (OperatingSystem.IsWindows())
        {
            Skip = "the completion scripts are for Unix shells";
        }
        else if (!found)
        {
            Skip = $"{shell} is not installed, so its completion script is not tried (apt-get install {shell}; .ci/run installs it)";
        }
    }
}
