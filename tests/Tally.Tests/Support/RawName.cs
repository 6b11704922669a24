using System.Diagnostics;
using System.Text;

namespace Tally.Tests.Support;

/// <summary>Makes files whose names are any bytes, which .NET's own file APIs cannot: through <c>/bin/sh</c> and <c>printf</c>.</summary>
internal static class RawName
{
    /// <summary>Writes <paramref name="content"/> to a file named <paramref name="name"/> (raw bytes, no '/') in <paramref name="folder"/>.</summary>
    public static void Write(string folder, byte[] name, string content)
    {
        string staging = Path.Combine(folder, $".staging-{Guid.NewGuid():N}");
        File.WriteAllText(staging, content);

        // Every byte as an octal escape of printf; the x keeps a trailing newline from $(...).
        string format = string.Concat(name.Select(b => "\\" + Convert.ToString(b, 8).PadLeft(3, '0')));
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "-c", "n=\"$(printf \"$3\"; printf x)\"; mv -- \"$1\" \"$2/${n%x}\"", "sh", staging, folder, format })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);
}
