using System.Globalization;

namespace Tally.Cluster;

/// <summary>
/// A node's silo name, which carries its slots: the coordinator reads both from its own membership
/// view, with no grain call (management calls can hang while a dead node is not yet declared dead).
/// </summary>
internal static class NodeName
{
    private const string Prefix = "tally-node-slots-";

    public const string Coordinator = "tally-coordinator";

    public static string Format(int slots) => Prefix + slots.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseSlots(string? name, out int slots)
    {
        slots = 0;
        return name is not null && name.StartsWith(Prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out slots) && slots > 0;
    }
}
