using System.CommandLine;

namespace Tally.Cli.Commands;

/// <summary><c>tally completion bash|zsh|fish</c>: prints a script that completes tally's commands and options in that shell.</summary>
/// <remarks>
/// The scripts ask tally itself, through System.CommandLine's <c>[suggest:POSITION]</c> directive,
/// so they follow every option any command gains; where tally suggests nothing (an input path),
/// the shell completes file names.
/// </remarks>
internal static class CompletionCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh or fish." };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print a shell completion script for bash, zsh or fish.") { shell };
        command.SetAction(async (parsed, _) =>
        {
            await environment.Out.WriteAsync(Script(parsed.GetValue(shell)!)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Script(string shell) => shell switch
    {
        "bash" => """
            # tally completion for bash: add to ~/.bashrc with  tally completion bash >> ~/.bashrc
            _tally_complete() {
                local word="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n'
                COMPREPLY=($(compgen -W "$(tally "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "$word"))
            }
            complete -o default -o bashdefault -F _tally_complete tally

            """,
        "zsh" => """
            #compdef tally
            # tally completion for zsh: save as _tally in a folder of $fpath, e.g.  tally completion zsh > ~/.zfunc/_tally
            # with  fpath=(~/.zfunc $fpath)  before compinit in ~/.zshrc; or  source <(tally completion zsh)  after compinit.
            _tally() {
                local line="${(j: :)words[1,CURRENT]}"
                local -a items
                items=("${(@f)$(tally "[suggest:${#line}]" "$line" 2>/dev/null)}")
                items=(${(M)items:#${words[CURRENT]}*})
                if (( ${#items} )); then compadd -a items; else _files; fi
            }
            # Autoloaded from $fpath, this file is _tally's body on the first TAB: complete now.
            # Sourced (after compinit), it registers the function.
            if [[ "${funcstack[1]}" == _tally ]]; then _tally "$@"; else compdef _tally tally; fi

            """,
        _ => """
            # tally completion for fish: save with  tally completion fish > ~/.config/fish/completions/tally.fish
            complete -c tally -a '(set -l line (commandline -cp); tally "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null)'

            """,
    };
}
