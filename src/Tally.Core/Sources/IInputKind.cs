namespace Tally.Sources;

/// <summary>A kind of input (files, standard input, later URLs): turns the inputs it recognises into sources.</summary>
/// <remarks>
/// <see cref="InputResolver"/> asks each kind in turn; the first that recognises an input resolves
/// it. A new kind of source is a folder under <c>Sources/</c> with its <see cref="DataSource"/>
/// and its kind, plus one line in <see cref="InputResolver.Default"/>.
/// </remarks>
public interface IInputKind
{
    /// <summary>Adds the sources <paramref name="input"/> names, when this kind recognises it.</summary>
    /// <param name="input">One command-line input, as given.</param>
    /// <param name="context">What the resolution shares: standard input, for one.</param>
    /// <param name="sources">Where the input's sources go, in order.</param>
    /// <returns>False when the input is not of this kind; then nothing was added.</returns>
    /// <exception cref="TallyInputException">The input is of this kind but missing, unreadable, or matches nothing.</exception>
    bool TryResolve(string input, InputContext context, ICollection<DataSource> sources);

    /// <summary>Opens the source at <paramref name="address"/> (a <see cref="DataSource.Address"/> of this kind), or null when it is not of this kind.</summary>
    /// <param name="address">What another process's source gave as its address.</param>
    /// <param name="name">The name the other process calls it by, so messages match.</param>
    DataSource? FromAddress(string address, string name);
}
