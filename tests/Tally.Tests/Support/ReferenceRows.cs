using System.Globalization;
using System.Numerics;
using System.Text;

namespace Tally.Tests.Support;

/// <summary>
/// The oracle for bad input: which lines of a file are malformed and why, written from
/// docs/design.md ("Malformed rows") with strings and BigInteger, sharing no code with the parser.
/// </summary>
internal static class ReferenceRows
{
    private static readonly string[] s_columns = ["ngram", "year", "match_count", "volume_count"];

    /// <summary>One line: a row (key as Latin-1, so bytes compare exactly) or the reason it is malformed.</summary>
    public sealed record Line(long Number, byte[] Text, string? Key, long Count, string? Problem)
    {
        public bool IsRow => Problem is null;
    }

    /// <summary>Every line of <paramref name="file"/>: split at LF; a last line without LF counts, nothing after a final LF does.</summary>
    public static List<Line> Lines(byte[] file)
    {
        var lines = new List<Line>();
        int start = 0;
        long number = 1;
        while (start < file.Length)
        {
            int end = Array.IndexOf(file, (byte)'\n', start);
            int stop = end < 0 ? file.Length : end;
            byte[] text = file[start..stop];
            lines.Add(Judge(number++, text));
            start = stop + 1;
        }

        return lines;
    }

    /// <summary>The longest line in bytes, not counting its LF.</summary>
    public static int LongestLine(byte[] file)
        => file.Length == 0 ? 0 : Encoding.Latin1.GetString(file).Split('\n').Max(l => l.Length);

    /// <summary>Totals of the valid rows of several files, or null when a total passes 2^63-1.</summary>
    public static Dictionary<string, long>? Totals(IEnumerable<byte[]> files)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in files.SelectMany(Lines).Where(l => l.IsRow))
        {
            BigInteger sum = (BigInteger)totals.GetValueOrDefault(line.Key!) + line.Count;
            if (sum > long.MaxValue)
            {
                return null;
            }

            totals[line.Key!] = (long)sum;
        }

        return totals;
    }

    /// <summary>The rejects-file lines of one source: <c>path TAB line TAB reason TAB row</c>, the row without a final CR.</summary>
    public static IEnumerable<byte[]> RejectLines(string name, byte[] file)
        => Lines(file).Where(l => !l.IsRow).Select(l =>
        {
            byte[] text = l.Text.Length > 0 && l.Text[^1] == (byte)'\r' ? l.Text[..^1] : l.Text;
            return (byte[])[.. Encoding.UTF8.GetBytes($"{name}\t{l.Number}\t{l.Problem}\t"), .. text, (byte)'\n'];
        });

    private static Line Judge(long number, byte[] raw)
    {
        string text = Encoding.Latin1.GetString(raw);
        if (text.EndsWith('\r'))
        {
            text = text[..^1];
        }

        Line Bad(string problem) => new(number, raw, null, 0, problem);

        if (text.Length == 0)
        {
            return Bad("empty line");
        }

        string[] columns = text.Split('\t');
        if (columns.Length != 4)
        {
            return Bad($"expected 4 TAB-separated columns, found {columns.Length}");
        }

        if (columns[0].Length == 0)
        {
            return Bad("column 1 (ngram) is empty");
        }

        long count = 0;
        for (int c = 1; c < 4; c++)
        {
            string field = columns[c];
            string shown = Shown(field);
            if (field.Length == 0 || !field.All(ch => ch is >= '0' and <= '9'))
            {
                return Bad($"column {c + 1} ({s_columns[c]}): \"{shown}\" is not a non-negative integer");
            }

            var value = BigInteger.Parse(field, CultureInfo.InvariantCulture);
            if (value > long.MaxValue)
            {
                return Bad($"column {c + 1} ({s_columns[c]}): \"{shown}\" does not fit in a signed 64-bit integer");
            }

            if (c == 2)
            {
                count = (long)value;
            }
        }

        return new Line(number, raw, columns[0], count, null);
    }

    /// <summary>A field as messages show it: its first 80 bytes (not cutting a character) with control characters and invalid UTF-8 bytes as \xNN, then "..." when cut.</summary>
    private static string Shown(string latin1)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(latin1);
        int cut = bytes.Length;
        if (bytes.Length > 80)
        {
            cut = 80;
            while (cut > 77 && (bytes[cut] & 0xC0) == 0x80)
            {
                cut--;
            }
        }

        var shown = new StringBuilder();
        var rest = bytes.AsSpan(0, cut);
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                foreach (byte b in rest[..used])
                {
                    shown.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
                }
            }
            else if (Rune.IsControl(rune))
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:X2}");
            }
            else
            {
                shown.Append(rune.ToString());
            }

            rest = rest[used..];
        }

        return cut < bytes.Length ? shown + "..." : shown.ToString();
    }
}
