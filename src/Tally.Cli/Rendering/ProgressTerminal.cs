using System.Runtime.InteropServices;

namespace Tally.Cli.Rendering;

/// <summary>The terminal live progress draws on: a writer and its size now, injected so the display is tested as text.</summary>
/// <param name="Writer">Where the display's text and escape codes go (stderr).</param>
/// <param name="Size">The terminal's columns and rows, asked before every redraw so that a resize is followed.</param>
internal sealed record ProgressTerminal(TextWriter Writer, Func<(int Width, int Height)> Size)
{
    /// <summary>What an unknown terminal is taken to be.</summary>
    public static readonly (int Width, int Height) Fallback = (80, 24);

    /// <summary>Standard error's terminal, sized by the terminal itself (TIOCGWINSZ on fd 2), so it works with stdout piped.</summary>
    public static ProgressTerminal StandardError(TextWriter error) => new(error, ErrorWindowSize);

    private static (int Width, int Height) ErrorWindowSize()
    {
        try
        {
            var size = default(WindowSize);
            ulong request = OperatingSystem.IsMacOS() ? 0x40087468UL : 0x5413UL;
            if (TerminalIoctl.Ioctl(2, request, ref size) == 0 && size.Columns > 0)
            {
                return (size.Columns, size.Rows > 0 ? size.Rows : Fallback.Height);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not a Unix libc: fall through to the console's own idea of the size.
        }

        try
        {
            return Console.WindowWidth > 0 ? (Console.WindowWidth, Math.Max(1, Console.WindowHeight)) : Fallback;
        }
        catch (IOException)
        {
            return Fallback;
        }
    }


}

/// <summary>The libc call that asks a terminal its size.</summary>
internal static partial class TerminalIoctl
{
    [LibraryImport("libc", EntryPoint = "ioctl")]
    internal static partial int Ioctl(int fd, ulong request, ref WindowSize size);
}

/// <summary>struct winsize.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct WindowSize
{
    public ushort Rows;
    public ushort Columns;
    public ushort XPixels;
    public ushort YPixels;
}
