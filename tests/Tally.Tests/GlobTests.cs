using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests;

public sealed class GlobTests
{
    [Fact]
    public void Expand_StarQuestionSetAndDoubleStar()
    {
        using var folder = new TempFolder();
        foreach (string name in new[] { "x-a.gz", "x-b.gz", "x-c.txt", "sub/x-d.gz", "sub/deep/x-e.gz" })
        {
            folder.Write(name, []);
        }

        string root = folder.Path.Replace('\\', '/');
        Assert.Equal([$"{root}/x-a.gz", $"{root}/x-b.gz"], Glob.Expand($"{root}/x-*.gz"));
        Assert.Equal([$"{root}/x-a.gz"], Glob.Expand($"{root}/x-[a].g?"));
        Assert.Equal([$"{root}/x-b.gz", $"{root}/x-c.txt"], Glob.Expand($"{root}/x-[!a]*"));
        Assert.Equal([$"{root}/sub/deep/x-e.gz", $"{root}/sub/x-d.gz", $"{root}/x-a.gz", $"{root}/x-b.gz"], Glob.Expand($"{root}/**/*.gz"));
        Assert.Empty(Glob.Expand($"{root}/nothing-*"));
    }
}
