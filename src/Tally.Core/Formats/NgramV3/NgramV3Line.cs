using System.Diagnostics.CodeAnalysis;
using Tally.Formats.Filters;

namespace Tally.Formats.NgramV3;

/// <summary>
/// The careful parser of one v3 line (<c>ngram TAB year,match_count,volume_count TAB ...</c>): the
/// definition of a well-formed row and the message for each way a row can be malformed.
/// </summary>
/// <remarks>Used by the fast parser's slow path; simple span code, since it runs rarely.</remarks>
internal static class NgramV3Line
{
    private static readonly string[] s_names = ["year", "match_count", "volume_count"];

    /// <summary>Parses <paramref name="line"/> (without its <c>\n</c>; a final <c>\r</c> is allowed): the key's length, the sum of match_count within <paramref name="years"/>, and whether any triple was in it.</summary>
    public static bool TryParse<TYears>(ReadOnlySpan<byte> line, TYears years, out int keyLength, out long total, out bool hit, [NotNullWhen(false)] out string? problem)
        where TYears : struct, IYearWindow
    {
        keyLength = 0;
        total = 0;
        hit = false;
        if (line.EndsWith((byte)'\r'))
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            problem = "empty line";
            return false;
        }

        keyLength = line.IndexOf((byte)'\t');
        if (keyLength < 0)
        {
            problem = "expected an ngram and at least one TAB-separated year,match_count,volume_count field, found no TAB";
            return false;
        }

        if (keyLength == 0)
        {
            problem = "field 1 (ngram) is empty";
            return false;
        }

        var rest = line[(keyLength + 1)..];
        int field = 2;
        while (true)
        {
            int tab = rest.IndexOf((byte)'\t');
            var triple = tab < 0 ? rest : rest[..tab];
            if (triple.Count((byte)',') != 2)
            {
                problem = $"field {field}: \"{KeyText.Display(triple)}\" is not year,match_count,volume_count";
                return false;
            }

            long year = 0;
            long count = 0;
            int part = 0;
            foreach (var range in triple.Split((byte)','))
            {
                if (!TryParseNumber(triple[range], out long value, out problem, field, s_names[part]))
                {
                    return false;
                }

                if (part == 0)
                {
                    year = value;
                }
                else if (part == 1)
                {
                    count = value;
                }

                part++;
            }

            if (!TYears.IsActive || years.Contains(year))
            {
                hit = true;
                total += count;
                if (total < 0)
                {
                    problem = $"the total of \"{KeyText.Display(line[..keyLength])}\" passes 2^63-1";
                    return false;
                }
            }

            if (tab < 0)
            {
                break;
            }

            rest = rest[(tab + 1)..];
            field++;
        }

        problem = null;
        return true;
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> text, out long value, [NotNullWhen(false)] out string? problem, int field, string name)
    {
        value = 0;
        if (text.IsEmpty || text.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            problem = $"field {field} ({name}): \"{KeyText.Display(text)}\" is not a non-negative integer";
            return false;
        }

        foreach (byte b in text)
        {
            long digit = b - '0';
            if (value > (long.MaxValue - digit) / 10)
            {
                problem = $"field {field} ({name}): \"{KeyText.Display(text)}\" does not fit in a signed 64-bit integer";
                return false;
            }

            value = (value * 10) + digit;
        }

        problem = null;
        return true;
    }
}
