using System.Text;

namespace Tally.Formats;

/// <summary>How a key or a field is shown in a message, whatever the format it came from.</summary>
internal static class KeyText
{
    /// <summary>Text for a message: invalid UTF-8 shows as U+FFFD, and long values are cut.</summary>
    internal static string Display(ReadOnlySpan<byte> bytes)
    {
        const int Limit = 80;
        string text = Encoding.UTF8.GetString(bytes.Length > Limit ? bytes.Slice(0, Limit) : bytes);
        return bytes.Length > Limit ? text + "..." : text;
    }

    /// <summary>The text with every control character shown as <c>\xNN</c>: a file name or a data value must never drive a terminal (an escape sequence, a carriage return) or split a line or a TAB-separated row.</summary>
    internal static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var shown = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            shown.Append(char.IsControl(c) ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:X2}") : c.ToString());
        }

        return shown.ToString();
    }
}
