using Tally.Engine;
using Tally.Platform;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests.Platform;

/// <summary>A file whose name is not valid UTF-8 is read like any other: named, in a folder, by a glob, in a worker's address.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ByteNameSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // x\xFF.tsv and x\xFE.tsv: .NET decodes both as "x\uFFFD.tsv", so neither could be opened.
    private static readonly byte[] s_first = RawName.Bytes("x\xFF.tsv");
    private static readonly byte[] s_second = RawName.Bytes("x\xFE.tsv");

    private string PathOf(byte[] name) => Path.Combine(_folder.Path, UnixName.Decode(name));

    private void WriteBoth()
    {
        RawName.Write(_folder.Path, s_first, "a\t2000\t5\t1\n");
        RawName.Write(_folder.Path, s_second, "a\t2000\t7\t1\n");
    }

    [Fact]
    public async Task Folder_TwoNamesThatDifferOnlyInAnInvalidByte_AreTwoFiles_BothCounted()
    {
        WriteBoth();

        var sources = InputResolver.Resolve([_folder.Path]);
        var result = await CountJob.Start(sources, new CountOptions()).Result;

        Assert.Equal([PathOf(s_second), PathOf(s_first)], sources.Select(s => s.Name));
        Assert.Equal(12, result.GetTotal("a"));
    }

    [Fact]
    public async Task Glob_MatchesNamesWithInvalidBytes_AndKeepsThem()
    {
        WriteBoth();

        var matches = Glob.Expand(Path.Combine(_folder.Path, "x?.tsv"));
        var all = Glob.Expand(Path.Combine(_folder.Path, "**"));

        Assert.Equal([PathOf(s_second), PathOf(s_first)], matches);
        Assert.Equal(matches, all);
        Assert.Equal(12, (await CountJob.Start(InputResolver.Resolve(matches), new CountOptions()).Result).GetTotal("a"));
    }

    [Fact]
    public async Task File_NamedByItsBytes_OpensAndIdentifiesThatFile_AndItsAddressReopensIt()
    {
        WriteBoth();
        var source = DataSource.FromFile(PathOf(s_first));

        await using (var stream = await source.OpenAsync(CancellationToken.None))
        {
            Assert.Equal("a\t2000\t5\t1\n", await new StreamReader(stream).ReadToEndAsync());
        }

        var identity = await source.IdentifyAsync(CancellationToken.None);
        var other = await DataSource.FromFile(PathOf(s_second)).IdentifyAsync(CancellationToken.None);
        var reopened = InputResolver.Default.OpenAddress(source.Address!, source.Name);

        Assert.Equal(11, source.Length);
        Assert.NotEqual(identity, other);
        var checkpoints = new CheckpointStore(Path.Combine(_folder.Path, "ck"), new CountOptions());
        Assert.NotEqual(checkpoints.PathFor(identity!.Key), checkpoints.PathFor(other!.Key));
        Assert.Equal(source.DuplicateKey, reopened.DuplicateKey);
    }

    [Fact]
    public void File_Missing_IsNamedWithItsBytesShownAsHex()
    {
        string missing = PathOf(RawName.Bytes("nope\xFF"));

        var error = Assert.Throws<TallyInputException>(() => InputResolver.Resolve([missing]));

        Assert.Equal($"{missing}: no such file", error.Message);
        Assert.EndsWith("nope\\xFF", Tally.Formats.KeyText.Printable(missing), StringComparison.Ordinal);
    }
}
