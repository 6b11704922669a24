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
}
