using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>What a file source says about itself, and what it does when the file changes under it.</summary>
public sealed class FileSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_FileTruncatedMidRead_FailsNamingTheFile_NeverEndsQuietly()
    {
        string path = _folder.Write("shrinks.tsv", new byte[1 << 20]);
        var source = DataSource.FromFile(path);
        await using var stream = await source.OpenAsync(CancellationToken.None);
        var buffer = new byte[4096];
        await stream.ReadExactlyAsync(buffer);

        using (var other = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            other.SetLength(8192);
        }

        var error = await Assert.ThrowsAsync<TallyInputException>(async () =>
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        });
        // The stream's own buffer may hold bytes read before the cut.
        Assert.StartsWith($"{path}: the file shrank while it was read: it held 1,048,576 bytes when opened, and ended after ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identity_ChangesWithTheStatusChangeTime_EvenWhenSizeAndModificationTimeAreSetBack()
    {
        // touch -r / cp -p can set a modification time back; they cannot set the ctime back.
        string path = _folder.Write("f.tsv", "a\t1\t1\t1\n"u8.ToArray());
        var before = await DataSource.FromFile(path).IdentifyAsync(CancellationToken.None);
        var mtime = File.GetLastWriteTimeUtc(path);
        await Task.Delay(20);
        await File.WriteAllBytesAsync(path, "b\t1\t1\t1\n"u8.ToArray());
        File.SetLastWriteTimeUtc(path, mtime);

        var after = await DataSource.FromFile(path).IdentifyAsync(CancellationToken.None);

        Assert.NotNull(before);
        Assert.Equal(before.Key, after!.Key);
        Assert.NotEqual(before.Version, after.Version);
        Assert.Contains("ino=", after.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void AFifo_HasNoAddressNoLengthAndCannotBeReadAgain()
    {
        using var fifo = Fifo.Gated(Path.Combine(_folder.Path, "pipe"), [], Task.CompletedTask, []);
        var source = (FileSource)DataSource.FromFile(fifo.Path);

        Assert.False(source.IsRegular);
        Assert.Null(source.Address);
        Assert.Null(source.Length);
        Assert.False(source.CanReopen);
    }
}
