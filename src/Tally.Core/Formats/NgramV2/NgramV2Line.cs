namespace Tally.Formats.NgramV2;

/// <summary>
/// The careful parser of one v2 line: the definition of a well-formed row, and the message for
/// each way a row can be malformed (see docs/design.md, "Malformed rows").
/// </summary>
/// <remarks>Used by the fast parser's slow path; simple span code, since it runs rarely.</remarks>
internal static class NgramV2Line
{
    private const int Columns = 4;
    private static readonly string[] s_names = ["ngram", "year", "match_count", "volume_count"];

    /// <summary>Parses <paramref name="line"/> (without its <c>\n</c>; a final <c>\r</c> is allowed).</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out int keyLength, out long count, out long year, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        keyLength = 0;
        count = 0;
        year = 0;
        if (line.EndsWith((byte)'\r'))
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            problem = "empty line";
            return false;
        }

        int found = line.Count((byte)'\t') + 1;
        if (found != Columns)
        {
            problem = $"expected {Columns} TAB-separated columns, found {found}";
            return false;
        }

        keyLength = line.IndexOf((byte)'\t');
        if (keyLength == 0)
        {
            problem = "column 1 (ngram) is empty";
            return false;
        }

        ReadOnlySpan<byte> rest = line.Slice(keyLength + 1);
        for (int column = 2; column <= Columns; column++)
        {
            int tab = rest.IndexOf((byte)'\t');
            ReadOnlySpan<byte> field = tab < 0 ? rest : rest.Slice(0, tab);
            if (!TryParseNumber(field, out long value, out problem, column))
            {
                return false;
            }

            if (column == 2)
            {
                year = value;
            }

            if (column == 3)
            {
                count = value;
            }

            rest = tab < 0 ? [] : rest.Slice(tab + 1);
        }

        problem = null;
        return true;
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> field, out long value, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem, int column)
    {
        value = 0;
        string name = s_names[column - 1];
        if (field.IsEmpty || field.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            problem = $"column {column} ({name}): \"{KeyText.Display(field)}\" is not a non-negative integer";
            return false;
        }

        foreach (byte b in field)
        {
            // value <= (long.MaxValue - digit) / 10, without overflowing on the way.
            long digit = b - '0';
            if (value > (long.MaxValue - digit) / 10)
            {
                problem = $"column {column} ({name}): \"{KeyText.Display(field)}\" does not fit in a signed 64-bit integer";
                return false;
            }

            value = (value * 10) + digit;
        }

        problem = null;
        return true;
    }
}
