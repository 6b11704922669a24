using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;

namespace Tally.Cli.Usage;

/// <summary>Parse errors said in plain words, for every option of every command, in one place.</summary>
/// <remarks>
/// System.CommandLine's own messages name .NET types (<c>System.Nullable`1[System.Int32]</c>) and
/// print allowed values on lines of their own. Each error is rewritten from what it is about (the
/// option, its value type, its allowed values), never from the option's definition, so options
/// added anywhere get the same treatment.
/// </remarks>
internal static class UsageErrors
{
    /// <summary>One line per problem: the parser's errors in plain words, then unknown options with a suggestion.</summary>
    public static IReadOnlyList<string> Describe(ParseResult parsed)
    {
        var lines = parsed.Errors.Select(e => Describe(e, parsed)).Distinct().ToList();
        if (lines.Count > 1)
        {
            // "tally cuont" is one mistake: the unknown command says it; a missing command adds nothing.
            lines.Remove(MissingCommand);
        }

        if (lines.Count == 0)
        {
            lines.AddRange(UnknownOptions(parsed));
        }

        return lines;
    }

    private const string MissingCommand = "Required command was not provided.";

    private static string Describe(ParseError error, ParseResult parsed)
    {
        if (error.SymbolResult is { } symbol && OptionOf(symbol) is { } option)
        {
            string value = string.Join(" ", symbol.Tokens.Select(t => t.Value));
            if (value.Length > 0)
            {
                var allowed = Allowed(option);
                string expected = allowed.Count > 0 ? $"one of {string.Join(", ", allowed)}" : Expected(option.ValueType);
                string near = allowed.Count > 0 && Suggestions.Nearest(value, allowed) is { } guess ? $"; did you mean {guess}?" : "";
                return $"{option.Name} {value}: expected {expected}{near}";
            }
        }

        if (parsed.UnmatchedTokens.Count > 0 && error.Message.Contains(parsed.UnmatchedTokens[0], StringComparison.Ordinal))
        {
            string token = parsed.UnmatchedTokens[0];
            var command = parsed.CommandResult.Command;
            bool looksLikeOption = token.StartsWith('-');
            var names = looksLikeOption ? OptionNames(command) : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            string what = looksLikeOption ? "option" : command.Subcommands.Count > 0 ? "command" : "argument";
            string near = Suggestions.Nearest(token, names) is { } guess ? $"; did you mean {guess}?" : "";
            return $"unknown {what} {token}{near}";
        }

        return error.Message;
    }

    /// <summary>Inputs that start with '-' and name nothing: the parser takes an unknown option for an argument.</summary>
    private static IEnumerable<string> UnknownOptions(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        foreach (var argument in parsed.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (var token in argument.Tokens)
            {
                string value = token.Value;
                if (value.Length > 1 && value[0] == '-' && !File.Exists(value) && !Directory.Exists(value))
                {
                    string near = Suggestions.Nearest(value, OptionNames(command)) is { } guess ? $"; did you mean {guess}?" : "";
                    yield return $"unknown option {value}{near}";
                }
            }
        }
    }

    private static IEnumerable<string> OptionNames(Command command)
        => command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
            .Where(o => !o.Hidden)
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal));

    private static Option? OptionOf(SymbolResult symbol) => symbol switch
    {
        OptionResult option => option.Option,
        ArgumentResult { Parent: OptionResult option } => option.Option,
        _ => null,
    };

    private static List<string> Allowed(Option option)
        => option.ValueType == typeof(bool) || option.ValueType == typeof(bool?)
            ? []
            : [.. option.GetCompletions(CompletionContext.Empty).Select(c => c.Label)];

    /// <summary>What a value of the type looks like, in words.</summary>
    internal static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray)
        {
            type = type.GetElementType()!;
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int32 or TypeCode.Int64 or TypeCode.Int16 => "a whole number, like 10",
            TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.UInt16 or TypeCode.Byte => "a whole number of 0 or more, like 10",
            TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "a number, like 0.5",
            TypeCode.Boolean => "true or false",
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}",
            _ => "a value",
        };
    }
}
