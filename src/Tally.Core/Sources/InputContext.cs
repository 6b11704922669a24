namespace Tally.Sources;

/// <summary>What the input kinds of one resolution share.</summary>
/// <param name="standardInput">Opens standard input, or null when there is none.</param>
/// <param name="note">Told what the resolution did that a user may want to know (names merged, files passed over); may be null.</param>
public sealed class InputContext(Func<Stream>? standardInput, Action<string>? note = null)
{
    /// <summary>Tells the caller something worth a line under <c>--verbose</c>.</summary>
    public void Note(string message) => note?.Invoke(message);

    private bool _standardInputTaken;

    /// <summary>Standard input, once per resolution.</summary>
    /// <exception cref="TallyInputException">It was taken already, or there is none.</exception>
    public Stream TakeStandardInput()
    {
        if (_standardInputTaken)
        {
            throw new TallyInputException("standard input (-) can be given only once");
        }

        _standardInputTaken = true;
        return standardInput?.Invoke() ?? throw new TallyInputException("standard input is not available");
    }
}
