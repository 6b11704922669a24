using System.Globalization;

namespace Tally.Cli.Rendering;

/// <summary>Results for a person at a terminal: ngrams in one column, totals right-aligned in the next.</summary>
/// <remarks>Only when stdout is a terminal; a pipe or a file gets TSV, whose bytes are the ngrams' own.</remarks>
internal static class ResultColumns
{
    public static IEnumerable<string> Align(IReadOnlyList<(string Key, long Total)> rows)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var keys = rows.Select(r => TallyApp.Printable(r.Key)).ToList();
        var totals = rows.Select(r => r.Total.ToString(CultureInfo.InvariantCulture)).ToList();
        int keyWidth = keys.Max(k => k.Length);
        int totalWidth = totals.Max(t => t.Length);
        return keys.Select((key, i) => $"{key.PadRight(keyWidth)}  {totals[i].PadLeft(totalWidth)}");
    }
}
