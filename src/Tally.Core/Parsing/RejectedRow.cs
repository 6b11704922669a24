namespace Tally.Parsing;

/// <summary>A malformed row: its line number, what is wrong, and its bytes (without the newline).</summary>
public sealed record RejectedRow(long Line, string Reason, byte[] Text);
