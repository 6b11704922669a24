using System.Text;

namespace Tally.Platform;

/// <summary>The command line as the bytes it was given: .NET decodes arguments as UTF-8 with U+FFFD, which loses a name's invalid bytes.</summary>
internal static class UnixArguments
{
    /// <summary>
    /// <paramref name="args"/>, with each argument that .NET decoded lossily replaced by its bytes
    /// from <c>/proc/self/cmdline</c>, carried as <see cref="UnixName"/> says.
    /// </summary>
    /// <remarks>
    /// The program's arguments are the last <c>args.Length</c> entries of the process's command
    /// line (before them come <c>dotnet</c> and the assembly, or the apphost). Every one is checked
    /// against <paramref name="args"/> with the U+FFFD left out of both; on any doubt (no
    /// <c>/proc</c>, a count or a text that differs) the arguments are returned as they are.
    /// Nothing is read when no argument holds U+FFFD.
    /// </remarks>
    public static string[] Recover(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!OperatingSystem.IsLinux() || !args.Any(a => a.Contains('\uFFFD', StringComparison.Ordinal)))
        {
            return args;
        }

        byte[] commandLine;
        try
        {
            commandLine = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return args;
        }

        var entries = new List<byte[]>();
        var rest = commandLine.AsSpan();
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                end = rest.Length;
            }

            entries.Add(rest[..end].ToArray());
            rest = rest[Math.Min(end + 1, rest.Length)..];
        }

        if (entries.Count < args.Length)
        {
            return args;
        }

        var raw = entries[^args.Length..];
        for (int i = 0; i < args.Length; i++)
        {
            if (WithoutReplacement(Encoding.UTF8.GetString(raw[i])) != WithoutReplacement(args[i]))
            {
                return args;
            }
        }

        return [.. raw.Select(b => UnixName.Decode(b))];
    }

    private static string WithoutReplacement(string text) => text.Replace("\uFFFD", "", StringComparison.Ordinal);
}
