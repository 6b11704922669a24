namespace Tally;

/// <summary>An input cannot be found, opened or read.</summary>
/// <remarks>The CLI maps it to exit code 3.</remarks>
public sealed class TallyInputException : Exception
{
    /// <summary>Creates the exception with a message naming the input.</summary>
    public TallyInputException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
