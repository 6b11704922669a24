using Tally.Platform;

namespace Tally.Formats;

/// <summary>How a key or a field is shown in a message, whatever the format it came from.</summary>
internal static class KeyText
{
    /// <summary>Text for a message: control characters and invalid UTF-8 bytes show as <c>\xNN</c>, and long values are cut.</summary>
    internal static string Display(ReadOnlySpan<byte> bytes)
    {
        const int Limit = 80;
        if (bytes.Length <= Limit)
        {
            return Printable(UnixName.Decode(bytes));
        }

        // Cut before a continuation byte's run, so that a character is not shown as two invalid bytes.
        int cut = Limit;
        while (cut > Limit - 3 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return Printable(UnixName.Decode(bytes[..cut])) + "...";
    }

    /// <summary>The text with every control character and every invalid byte of a name (see <see cref="UnixName"/>) shown as <c>\xNN</c>: a file name or a data value must never drive a terminal (an escape sequence, a carriage return) or split a line or a TAB-separated row.</summary>
    internal static string Printable(string text) => UnixName.Printable(text);
}
