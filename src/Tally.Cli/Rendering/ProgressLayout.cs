using System.Text;

namespace Tally.Cli.Rendering;

/// <summary>Lays a <see cref="ProgressFrame"/> out as lines of text that fit a terminal of a given width and height.</summary>
/// <remarks>
/// <para>
/// A pure function of the frame and the size, so the display is tested as text at any width. No
/// line is ever longer than the width: a line that wrapped would push the display down a row on
/// every redraw. When the figures do not fit, columns are dropped in this order: the spinner, the
/// ETA, the rate, the sizes, the rows, the bar, the percentage; names are shortened in the middle,
/// as cargo does, so both the start and the file's letter stay visible.
/// </para>
/// <para>
/// Columns are as wide as their widest entry in the frame, so the figures of every line stand
/// under one another.
/// </para>
/// </remarks>
internal static class ProgressLayout
{
    private const int NameMin = 20;
    private const int NameMax = 48;
    private const int BarMin = 10;
    private const int BarMax = 30;
    private const string Spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";

    /// <summary>Columns after the name and the bar, in the order they are dropped when the line is too narrow.</summary>
    private enum Column
    {
        Spinner,
        Eta,
        Rate,
        Sizes,
        Rows,
        Bar,
        Percent,
    }

    public static IReadOnlyList<string> Render(ProgressFrame frame, int width, int height)
    {
        width = Math.Max(1, width);
        var items = new List<ProgressItem>();
        int room = Math.Max(1, height - 1) - 1 - frame.Extra.Count - (frame.Inputs > 1 ? 1 : 0);
        int shown = frame.Running.Count <= room ? frame.Running.Count : Math.Max(0, room - 1);
        items.AddRange(frame.Running.Take(shown));
        items.AddRange(frame.Extra);
        items.Add(frame.Overall);

        var lines = Lines(items, width, frame.Tick);
        if (shown < frame.Running.Count)
        {
            lines.Insert(shown, Fit($"  … and {frame.Running.Count - shown} more being read", width));
        }

        if (frame.Inputs > 1)
        {
            lines.Insert(lines.Count - 1, Counter(frame, width));
        }

        return lines;
    }

    /// <summary>The line that counts the inputs: those not on screen are counted here, never drawn.</summary>
    internal static string Counter(ProgressFrame frame, int width)
    {
        string failed = frame.Failed > 0 ? $", {frame.Failed:N0} failed" : "";
        string counting = frame.Counting > 0 ? $", {frame.Counting:N0} counting" : "";
        string[] forms =
        [
            $"{frame.Inputs:N0} inputs: {frame.Running.Count:N0} reading{counting}, {frame.Waiting:N0} waiting, {frame.Done:N0} done{failed}",
            $"{frame.Running.Count:N0} reading{counting}, {frame.Waiting:N0} waiting, {frame.Done:N0} done{failed}",
            $"{frame.Running.Count:N0} reading, {frame.Waiting:N0} waiting, {frame.Done:N0} done{failed}",
            $"{frame.Running.Count:N0}/{frame.Waiting:N0}/{frame.Done:N0}{(frame.Failed > 0 ? $"/{frame.Failed:N0}" : "")} reading/waiting/done{(frame.Failed > 0 ? "/failed" : "")}",
        ];
        return Fit(forms.FirstOrDefault(f => f.Length <= width) ?? forms[^1], width);
    }

    private static List<string> Lines(List<ProgressItem> items, int width, int tick)
    {
        var cells = items.Select(i => Cells(i, tick)).ToList();
        int nameNatural = Math.Min(NameMax, items.Max(i => i.Name.Length));
        var columns = new Dictionary<Column, int>();
        foreach (var column in Enum.GetValues<Column>().Where(c => c != Column.Bar))
        {
            columns[column] = cells.Max(c => c.GetValueOrDefault(column, "").Length);
        }

        // Drop columns, cheapest first, until the name and the bar have their least room.
        for (int dropped = 0; dropped <= columns.Count + 1; dropped++)
        {
            var kept = Enum.GetValues<Column>().Skip(dropped).ToHashSet();
            int fixedWidth = kept.Where(c => c != Column.Bar).Sum(c => columns[c] == 0 ? 0 : columns[c] + 1);
            int available = width - fixedWidth;
            bool bar = kept.Contains(Column.Bar);
            int nameWidth, barWidth = 0;
            if (bar)
            {
                // "name  [bar]": two spaces after the name, brackets around the bar.
                int forBar = available - 2 - 2;
                nameWidth = Math.Min(nameNatural, Math.Max(NameMin, forBar - BarMin));
                barWidth = Math.Min(BarMax, forBar - nameWidth);
                if (barWidth < BarMin || nameWidth > forBar)
                {
                    continue;
                }
            }
            else
            {
                nameWidth = Math.Min(nameNatural, available);
                if (nameWidth < Math.Min(NameMin, nameNatural) && dropped <= columns.Count)
                {
                    continue;
                }
            }

            return [.. items.Select((item, i) => Line(item, cells[i], kept, columns, nameWidth, barWidth, tick, width))];
        }

        return [.. items.Select(i => Fit(i.Name, width))];
    }

    private static string Line(ProgressItem item, Dictionary<Column, string> cells, HashSet<Column> kept, Dictionary<Column, int> widths, int nameWidth, int barWidth, int tick, int width)
    {
        var line = new StringBuilder();
        line.Append(Shorten(item.Name, nameWidth).PadRight(nameWidth));
        if (item.Note is { } note)
        {
            // A line with a note has no bar: the note starts where the bar would, and has its room.
            line.Append(kept.Contains(Column.Bar) ? "  " : " ").Append(note);
            return Fit(line.ToString().TrimEnd(), width);
        }

        if (kept.Contains(Column.Bar))
        {
            line.Append("  [").Append(Bar(item.Fraction, barWidth, tick)).Append(']');
        }

        foreach (var column in new[] { Column.Percent, Column.Sizes, Column.Rows, Column.Rate, Column.Eta, Column.Spinner })
        {
            if (kept.Contains(column) && widths[column] > 0)
            {
                string cell = cells.GetValueOrDefault(column, "");
                line.Append(' ').Append(column == Column.Spinner ? cell : cell.PadLeft(widths[column]));
            }
        }

        return Fit(line.ToString().TrimEnd(), width);
    }

    private static Dictionary<Column, string> Cells(ProgressItem item, int tick)
    {
        var cells = new Dictionary<Column, string>();
        if (item.Note is not null)
        {
            return cells;
        }

        if (item.Fraction is { } fraction)
        {
            cells[Column.Percent] = $"{Math.Floor(fraction * 100):0}%";
            cells[Column.Sizes] = Units.BytesOf(item.BytesDone, item.Length!.Value);
        }
        else
        {
            cells[Column.Sizes] = Units.Bytes(item.BytesDone);
        }

        if (item.Rows is { } rows)
        {
            cells[Column.Rows] = $"{Units.Rate(rows)} rows";
        }

        if (item.RowsPerSecond is { } rate)
        {
            cells[Column.Rate] = $"{Units.Rate(rate)} rows/s";
        }

        if (item.Remaining is { } remaining && item.Fraction is < 1)
        {
            cells[Column.Eta] = $"ETA {Units.Clock(remaining)}";
        }

        if (item.Fraction is not >= 1)
        {
            cells[Column.Spinner] = Spinner[tick % Spinner.Length].ToString();
        }

        return cells;
    }

    /// <summary>A bar of <paramref name="width"/> cells; for an unknown length, a block that moves back and forth.</summary>
    internal static string Bar(double? fraction, int width, int tick)
    {
        if (fraction is not { } done)
        {
            const int Block = 3;
            int span = Math.Max(1, width - Block);
            int step = tick % (2 * span);
            int at = step <= span ? step : 2 * span - step;
            at = Math.Min(at, Math.Max(0, width - Block));
            return (new string(' ', at) + "<=>"[..Math.Min(Block, width)]).PadRight(width)[..width];
        }

        int filled = (int)Math.Floor(done * width);
        return filled >= width
            ? new string('=', width)
            : new string('=', filled) + ">" + new string(' ', width - filled - 1);
    }

    /// <summary>The name shortened in the middle to at most <paramref name="width"/> characters, keeping its end (a file's letter) whole.</summary>
    internal static string Shorten(string name, int width)
    {
        if (name.Length <= width)
        {
            return name;
        }

        if (width <= 1)
        {
            return "…"[..width];
        }

        int tail = (width - 1) / 2;
        int head = width - 1 - tail;
        return string.Concat(name.AsSpan(0, head), "…", name.AsSpan(name.Length - tail));
    }

    /// <summary>Cut to the width: a last guard, so that no line can ever wrap.</summary>
    private static string Fit(string line, int width) => line.Length <= width ? line : line[..width];
}
