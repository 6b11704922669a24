using Tally.Cli.Rendering;

namespace Tally.Cli.Tests.Rendering;

/// <summary>The in-place redraw: what it writes to the terminal, as text with its escape codes.</summary>
public sealed class LiveDisplayTests
{
    [Fact]
    public void Redraw_GoesUpOverTheLastBlock_ThenClearsAndDraws()
    {
        var (display, output, _) = Display(80);

        display.Draw([], ["one", "two"]);
        display.Draw(["done a"], ["three"]);

        Assert.Equal("one\ntwo\n\r\u001b[2A\u001b[Jdone a\nthree\n", output.ToString());
    }

    [Fact]
    public void Resize_CountsTheOldLinesAtTheNewWidth()
    {
        var (display, output, size) = Display(160);
        display.Draw([], [new string('x', 150), "short"]);
        output.GetStringBuilder().Clear();

        // Narrowed to 60: a terminal that reflows shows the 150-column line on 3 rows.
        size.Width = 60;
        display.Draw([], ["y"]);

        Assert.StartsWith("\r\u001b[4A\u001b[J", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Clear_RemovesTheBlock_KeepsWhatWasAbove()
    {
        var (display, output, _) = Display(80);
        display.Draw(["kept"], ["live"]);
        output.GetStringBuilder().Clear();

        display.Clear();
        display.Clear();

        Assert.Equal("\r\u001b[1A\u001b[J", output.ToString());
    }

    private static (LiveDisplay Display, StringWriter Output, Size Size) Display(int width)
    {
        var output = new StringWriter();
        var size = new Size { Width = width };
        return (new LiveDisplay(new ProgressTerminal(output, () => (size.Width, 30))), output, size);
    }

    private sealed class Size
    {
        public int Width { get; set; }
    }
}
