namespace Tally;

/// <summary>An option of a count does not make sense, in range or with the others.</summary>
/// <remarks>The command line maps <see cref="Option"/> to its flag and prints the flag with <see cref="Problem"/>; exit code 2.</remarks>
public sealed class CountOptionsException : ArgumentException
{
    /// <summary>Creates the exception for the <see cref="CountOptions"/> property <paramref name="option"/>.</summary>
    public CountOptionsException(string option, string problem)
        : base($"{option} {problem}", option)
    {
        Option = option;
        Problem = problem;
    }

    /// <summary>The <see cref="CountOptions"/> property at fault, such as <c>Workers</c>.</summary>
    public string Option { get; }

    /// <summary>What is wrong, to follow the option's name: <c>must be at least 1, not 0</c>.</summary>
    public string Problem { get; }

    /// <inheritdoc/>
    public override string Message => $"{Option} {Problem}";
}
