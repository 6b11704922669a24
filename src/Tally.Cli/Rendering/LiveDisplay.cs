using System.Text;

namespace Tally.Cli.Rendering;

/// <summary>Redraws a block of lines in place at the bottom of a terminal, with lines printed above it that stay.</summary>
/// <remarks>
/// Each redraw moves the cursor up over what the last one drew, clears to the end of the screen and
/// writes the new block, in one write so the terminal never shows half a frame. After a resize the
/// rows to go up are counted at the new width: a terminal that reflows a narrowed screen wraps the
/// old lines onto more rows, and going up too few would leave pieces of the old frame behind.
/// </remarks>
internal sealed class LiveDisplay(ProgressTerminal terminal)
{
    private const string Escape = "\u001b[";
    private IReadOnlyList<string> _drawn = [];

    /// <summary>Prints <paramref name="above"/> for good, then <paramref name="live"/> in place of the last block.</summary>
    public void Draw(IReadOnlyList<string> above, IReadOnlyList<string> live)
    {
        var (width, _) = terminal.Size();
        var text = new StringBuilder();
        Erase(text, Math.Max(1, width));
        foreach (string line in above)
        {
            text.Append(line).Append('\n');
        }

        foreach (string line in live)
        {
            text.Append(line).Append('\n');
        }

        _drawn = live;
        terminal.Writer.Write(text.ToString());
        terminal.Writer.Flush();
    }

    /// <summary>Removes the block, leaving the lines printed above it.</summary>
    public void Clear()
    {
        if (_drawn.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        Erase(text, Math.Max(1, terminal.Size().Width));
        _drawn = [];
        terminal.Writer.Write(text.ToString());
        terminal.Writer.Flush();
    }

    private void Erase(StringBuilder text, int width)
    {
        int rows = _drawn.Sum(line => Math.Max(1, (line.Length + width - 1) / width));
        if (rows > 0)
        {
            text.Append('\r').Append(Escape).Append(rows).Append('A').Append(Escape).Append('J');
        }
    }
}
