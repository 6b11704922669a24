using Tally.Engine;
using Tally.Output;

namespace Tally.Cli.Rendering;

/// <summary>The closing summary: every input's figures in completion order under column headers, then one line of totals.</summary>
internal static class SummaryWriter
{
    /// <summary>Inputs listed one by one up to this many; past it, the slowest, since a 700-line list helps nobody.</summary>
    public const int ListedInputs = 20;

    /// <summary>The table of inputs, on an interactive stderr.</summary>
    public static async Task WriteInputsAsync(TextWriter error, CountResult result, int width)
    {
        foreach (string line in InputLines(result.Sources, width))
        {
            await error.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    internal static IReadOnlyList<string> InputLines(IReadOnlyList<SourceCompletion> sources, int width)
    {
        var listed = sources.Count <= ListedInputs
            ? sources
            : [.. sources.OrderByDescending(s => s.Duration).Take(10).OrderBy(s => s.Completed)];
        bool gzip = sources.Any(s => s.IsCompressed);
        bool formats = sources.Any(s => s.Format is not null);
        string[] header = gzip
            ? ["#", "input", "time", "rows", "rows/s", "gzip", "inflated", "done at"]
            : ["#", "input", "time", "rows", "rows/s", "size", "done at"];
        var rows = new List<string[]> { header };
        int rank = 0;
        var ranks = sources.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i + 1);
        foreach (var source in listed)
        {
            rank = ranks[source];
            string place = $"{rank}.";
            if (source.IsLeftOut)
            {
                rows.Add(gzip
                    ? [place, TallyApp.Printable(source.Name), "left out", "", "", "", "", Units.Seconds(source.Completed)]
                    : [place, TallyApp.Printable(source.Name), "left out", "", "", "", Units.Seconds(source.Completed)]);
                continue;
            }

            string time = Units.Seconds(source.Duration) + PlainProgress.Note(source);
            string rate = Units.Rate(PlainProgress.RowsPerSecond(source));
            rows.Add(gzip
                ? [place, TallyApp.Printable(source.Name), time, Units.Count(source.Rows), rate, source.IsCompressed ? Units.Bytes(source.StoredBytes) : "-", Units.Bytes(source.Bytes), Units.Seconds(source.Completed)]
                : [place, TallyApp.Printable(source.Name), time, Units.Count(source.Rows), rate, Units.Bytes(source.Bytes), Units.Seconds(source.Completed)]);
        }

        if (formats)
        {
            // The format each input was read in (auto decides per file) goes right after its name.
            rows = [.. rows.Select((r, i) => (string[])[r[0], r[1], i == 0 ? "format" : listed[i - 1].Format ?? "-", .. r[2..]])];
        }

        var lines = new List<string> { sources.Count <= ListedInputs ? "Inputs in completion order:" : $"The 10 slowest of {Units.Plural(sources.Count, "input")}, in completion order:" };
        lines.AddRange(Fit(rows, width));
        return lines;
    }

    /// <summary>The table at most <paramref name="width"/> wide: names shortened in the middle down to 24 characters, then the last columns dropped.</summary>
    private static List<string> Fit(List<string[]> rows, int width)
    {
        const int NameMin = 24;
        while (true)
        {
            var lines = Table(rows, leftAligned: 2).ToList();
            int over = lines.Max(l => l.Length) - width;
            if (over <= 0)
            {
                return lines;
            }

            int nameWidth = rows.Max(r => r[1].Length);
            if (rows[0][^1] == "done at")
            {
                // When each input finished matters less than its name: it goes first.
                rows = [.. rows.Select(r => r[..^1])];
                continue;
            }

            if (nameWidth > NameMin)
            {
                int target = Math.Max(NameMin, nameWidth - over);
                rows = [rows[0], .. rows.Skip(1).Select(r => r.Select((cell, c) => c == 1 ? ProgressLayout.Shorten(cell, target) : cell).ToArray())];
                continue;
            }

            if (rows[0].Length <= 3)
            {
                return [.. lines.Select(l => l.Length <= width ? l : l[..width])];
            }

            rows = [.. rows.Select(r => r[..^1])];
        }
    }

    /// <summary>The last line: totals, rows per second and wall time.</summary>
    /// <param name="result">The job's result.</param>
    /// <param name="wall">The time to report.</param>
    /// <param name="width">The terminal's width: the longest form that fits is printed.</param>
    /// <param name="found">What the job found, such as <c>3 ngrams followed over 1800-2008</c>; by default the distinct ngrams counted.</param>
    public static string Totals(CountResult result, TimeSpan wall, int width = int.MaxValue, string? found = null)
    {
        double rate = result.Elapsed > TimeSpan.Zero ? result.Rows / result.Elapsed.TotalSeconds : 0;
        long stored = result.Sources.Where(s => !s.IsLeftOut).Sum(s => s.StoredBytes);
        long bytes = result.Sources.Where(s => !s.IsLeftOut).Sum(s => s.Bytes);
        string sizes = result.Sources.Any(s => s.IsCompressed) ? $"{Units.Bytes(stored)} read, {Units.Bytes(bytes)} inflated" : $"{Units.Bytes(bytes)} read";
        string rows = Units.Plural(result.Rows, "row");
        string inputs = Units.Plural(result.Sources.Count, "input");
        string[] forms =
        [
            $"tally: counted {rows} ({found ?? Units.Plural(result.Count, "ngram")}) from {inputs}, {sizes}, in {Units.Seconds(wall)}: {Units.Rate(rate)} rows/s",
            $"tally: counted {rows} from {inputs} ({Units.Bytes(stored)}) in {Units.Seconds(wall)}: {Units.Rate(rate)} rows/s",
            $"tally: {rows}, {inputs}, {Units.Seconds(wall)}, {Units.Rate(rate)} rows/s",
        ];
        return forms.FirstOrDefault(f => f.Length <= width) ?? forms[^1];
    }

    /// <summary>Rows of cells as columns: the first <paramref name="leftAligned"/> columns to the left, numbers to the right.</summary>
    internal static IEnumerable<string> Table(IReadOnlyList<string[]> rows, int leftAligned)
    {
        int columns = rows.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        return rows.Select(row => ("  " + string.Join("  ", row.Select((cell, c) => c < leftAligned && c > 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])))).TrimEnd());
    }
}
