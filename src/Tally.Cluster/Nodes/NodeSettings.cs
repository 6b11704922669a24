using Tally.Mapping;
using Tally.Output;

namespace Tally.Cluster.Nodes;

/// <summary>What a node serves tasks with: its name, the folders it may read, its map steps.</summary>
internal sealed class NodeSettings(string name, IReadOnlyList<string> allowRoots, MapStepRegistry registry, OutputFormatRegistry? outputFormats = null)
{
    /// <summary>Roots as full paths ending in a separator, so <c>/data</c> does not allow <c>/database</c>.</summary>
    private readonly string[] _roots = [.. allowRoots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)) + "/")];

    public string Name { get; } = name;

    public MapStepRegistry Registry { get; } = registry;

    /// <summary>The formats this node's reducers write parts in.</summary>
    public OutputFormatRegistry OutputFormats { get; } = outputFormats ?? OutputFormatRegistry.WithBuiltIns();

    /// <summary>Why the node will not read <paramref name="address"/>, or null when it lies under an <c>--allow</c> root.</summary>
    /// <remarks>
    /// The path is made absolute and a link is followed to its final target before the check, so
    /// neither <c>..</c> nor a link planted under a root reaches outside it. (A linked folder on the
    /// way is followed by the read itself: keep roots free of links you do not mean.)
    /// </remarks>
    public string? Refusal(string address)
    {
        string full;
        try
        {
            full = Path.GetFullPath(address);
            // A file that is gone is checked as named: the read then fails as a local count's
            // does, with the input error naming it, not as a refusal.
            if (File.Exists(full) && new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                full = Path.GetFullPath(target.FullName);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"node {Name} refused {address}: the path cannot be checked against its --allow roots ({e.Message})";
        }

        return _roots.Any(root => full.StartsWith(root, StringComparison.Ordinal))
            ? null
            : $"node {Name} refused {address}: it is outside the node's --allow roots ({string.Join(", ", _roots.Select(r => r.TrimEnd('/')))})";
    }
}
