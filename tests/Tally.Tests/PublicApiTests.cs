using System.Runtime.CompilerServices;
using Tally.Engine;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary>The public surface of Tally.Core is reviewed on purpose: any change to it shows up here first.</summary>
public sealed class PublicApiTests
{
    private const string UpdateVariable = "TALLY_UPDATE_API";

    [Fact]
    public void PublicApi_MatchesTheSnapshot()
    {
        string actual = PublicApi.Describe(typeof(CountJob).Assembly);
        string path = SnapshotPath();
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        var expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n') : [];
        var lines = actual.Split('\n');
        var removed = expected.Except(lines, StringComparer.Ordinal).Where(l => l.Length > 0).Select(l => "- " + l);
        var added = lines.Except(expected, StringComparer.Ordinal).Where(l => l.Length > 0).Select(l => "+ " + l);
        string diff = string.Join('\n', removed.Concat(added));

        Assert.True(diff.Length == 0,
            $"The public API of Tally.Core differs from {path}:\n{diff}\n\n" +
            $"If the change is intended, regenerate the snapshot with {UpdateVariable}=1 dotnet test tests/Tally.Tests --filter PublicApi and commit it.");
    }

    private static string SnapshotPath([CallerFilePath] string thisFile = "")
        => Path.Combine(Path.GetDirectoryName(thisFile)!, "PublicApi.txt");
}
