using Tally.Sources;

namespace Tally.Workers;

/// <summary>A file a worker opens by its full path but names as the parent does, so messages match the thread executor's.</summary>
internal sealed class NamedFileSource(string path, string name) : DataSource
{
    public override string Name { get; } = name;

    public override long? Length => null;

    public override Stream Open() => FileSource.OpenRead(path, Name);
}
