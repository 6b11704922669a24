using System.Runtime.CompilerServices;

namespace Tally.Cli.Tests.Rendering;

/// <summary>Text snapshots under <c>Rendering/Snapshots/</c>: compared, or rewritten when <c>TALLY_UPDATE_SNAPSHOTS=1</c>.</summary>
internal static class Snapshot
{
    public static void Match(string name, IEnumerable<string> lines, [CallerFilePath] string caller = "")
    {
        string path = Path.Combine(Path.GetDirectoryName(caller)!, "Snapshots", name + ".txt");
        string actual = string.Join('\n', lines) + "\n";
        if (Environment.GetEnvironmentVariable("TALLY_UPDATE_SNAPSHOTS") == "1" || !File.Exists(path))
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.Equal(File.ReadAllText(path), actual);
    }
}
