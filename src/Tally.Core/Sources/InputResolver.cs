namespace Tally.Sources;

/// <summary>Turns command-line inputs into sources with a list of input kinds, checking every one before work starts.</summary>
public sealed class InputResolver
{
    /// <summary>The name standard input goes by in messages.</summary>
    public const string StandardInputName = StandardInputKind.Name;

    private readonly IInputKind[] _kinds;

    /// <summary>Creates a resolver that asks <paramref name="kinds"/> in order.</summary>
    public InputResolver(IEnumerable<IInputKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        _kinds = [.. kinds];
    }

    /// <summary>The built-in kinds: standard input (<c>-</c>), http and https URLs, then files, folders and glob patterns.</summary>
    public static InputResolver Default { get; } = new([new StandardInputKind(), new Http.HttpInputKind(), new FileInputKind()]);

    /// <summary>The built-in kinds, with URLs downloaded as <paramref name="http"/> says (<c>--downloads</c>, retries, notes).</summary>
    public static InputResolver WithHttp(Http.HttpSourceOptions http) => new([new StandardInputKind(), new Http.HttpInputKind(http), new FileInputKind()]);

    /// <summary>Resolves <paramref name="inputs"/> with <see cref="Default"/>; see <see cref="ResolveAll"/>.</summary>
    /// <exception cref="TallyInputException">An input is missing, unreadable, or matches no file; the message names it.</exception>
    public static IReadOnlyList<DataSource> Resolve(IEnumerable<string> inputs, Func<Stream>? standardInput = null)
        => Default.ResolveAll(inputs, standardInput);

    /// <summary>Resolves <paramref name="inputs"/> with <see cref="Default"/>, telling <paramref name="note"/> which names were merged and which files passed over.</summary>
    /// <exception cref="TallyInputException">An input is missing, unreadable, or matches no file; the message names it.</exception>
    public static IReadOnlyList<DataSource> Resolve(IEnumerable<string> inputs, Func<Stream>? standardInput, Action<string>? note)
        => Default.ResolveAll(inputs, standardInput, note);

    /// <summary>Resolves <paramref name="inputs"/> in order; a source reached twice (the same <see cref="DataSource.DuplicateKey"/>: for a file, the same device and inode) is counted once.</summary>
    /// <param name="inputs">Files, folders (every regular file directly in them but hidden ones, in name order), patterns, or <c>-</c>.</param>
    /// <param name="standardInput">Opens standard input for <c>-</c>.</param>
    /// <param name="note">Told which names were merged and which files were passed over; may be null.</param>
    /// <exception cref="TallyInputException">An input is missing, unreadable, or matches no file; the message names it.</exception>
    public IReadOnlyList<DataSource> ResolveAll(IEnumerable<string> inputs, Func<Stream>? standardInput = null, Action<string>? note = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var context = new InputContext(standardInput, note);
        var sources = new List<DataSource>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var found = new List<DataSource>();
        foreach (string input in inputs)
        {
            if (input.Length == 0)
            {
                throw new TallyInputException("an input is an empty path");
            }

            found.Clear();
            if (!_kinds.Any(kind => kind.TryResolve(input, context, found)))
            {
                throw new TallyInputException($"{input}: not an input any source kind knows");
            }

            foreach (var source in found)
            {
                if (source.DuplicateKey is not { } key || seen.TryAdd(key, source.Name))
                {
                    sources.Add(source);
                }
                else if (seen[key] != source.Name)
                {
                    context.Note($"{source.Name} is the same file as {seen[key]}; counted once");
                }
            }
        }

        if (sources.Count == 0)
        {
            throw new TallyInputException("no inputs given");
        }

        return sources;
    }

    /// <summary>Opens the source another process gave as <paramref name="address"/>, naming it <paramref name="name"/>.</summary>
    /// <exception cref="TallyInputException">No kind knows the address, or the source cannot be examined.</exception>
    public DataSource OpenAddress(string address, string name)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(name);
        foreach (var kind in _kinds)
        {
            if (kind.FromAddress(address, name) is { } source)
            {
                return source;
            }
        }

        throw new TallyInputException($"{name}: no source kind can open the address {address}");
    }
}
