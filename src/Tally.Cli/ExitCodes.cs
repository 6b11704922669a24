namespace Tally.Cli;

/// <summary>The exit codes of <c>tally</c>; documented in the README.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int BadData = 1;
    public const int Usage = 2;
    public const int InputOutput = 3;
    public const int Cancelled = 130;
}
