using Tally.Platform;
using Tally.Testing;

namespace Tally.Tests.Platform;

/// <summary>Where glibc's stat is missing, UnixFile says what .NET can tell: kinds by path, and no inode, so files are told apart by path.</summary>
public sealed class UnixFileFallbackTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Fallback_TellsFilesFoldersLinksAndMissingPaths_WithNoInode()
    {
        string file = _folder.Write("a.tsv", "a\t2000\t5\t1\n"u8.ToArray());
        string link = Path.Combine(_folder.Path, "link.tsv");
        File.CreateSymbolicLink(link, file);

        var regular = UnixFile.Fallback(file, follow: true);

        Assert.Equal(UnixFileKind.Regular, regular.Kind);
        Assert.Equal(11, regular.Size);
        Assert.Equal(0UL, regular.Inode);
        Assert.Equal(UnixFileKind.Directory, UnixFile.Fallback(_folder.Path, follow: true).Kind);
        Assert.Equal(UnixFileKind.SymbolicLink, UnixFile.Fallback(link, follow: false).Kind);
        Assert.Equal(UnixFileKind.Missing, UnixFile.Fallback(Path.Combine(_folder.Path, "none"), follow: true).Kind);
    }

    [Fact]
    public void Fallback_WithoutAnInode_NoTwoStatusesAreTheSameFile_SoCallersCompareFullPaths()
    {
        string file = _folder.Write("a.tsv", "x"u8.ToArray());

        Assert.False(UnixFile.Fallback(file, follow: true).IsSameFile(UnixFile.Fallback(file, follow: true)));
    }

    [Fact]
    public void Available_OnLinux64_WithGlibc_GivesTheInode()
    {
        if (!UnixFile.IsAvailable)
        {
            return;
        }

        string file = _folder.Write("a.tsv", "x"u8.ToArray());

        Assert.NotEqual(0UL, UnixFile.Stat(file).Inode);
        Assert.True(UnixFile.Stat(file).IsSameFile(UnixFile.Lstat(file)));
    }
}
