using System.Globalization;

namespace Tally.Cluster;

/// <summary>
/// A silo's name, which says what it is and the <see cref="ClusterProtocol"/> it speaks, and for a
/// node its slots: the coordinator reads them from its own membership view, with no grain call
/// (management calls can hang while a dead node is not yet declared dead).
/// </summary>
/// <remarks>
/// <c>tally-node-p2-slots-4</c> and <c>tally-coordinator-p2</c>. Version 1 named them
/// <c>tally-node-slots-4</c> and <c>tally-coordinator</c>, which parse as version 1.
/// </remarks>
internal static class NodeName
{
    private const string NodePrefix = "tally-node-";
    private const string CoordinatorPrefix = "tally-coordinator";

    /// <summary>This coordinator's name.</summary>
    public static string Coordinator => $"{CoordinatorPrefix}-p{ClusterProtocol.Version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>This node's name, with <paramref name="slots"/>.</summary>
    public static string Format(int slots) => $"{NodePrefix}p{ClusterProtocol.Version.ToString(CultureInfo.InvariantCulture)}-slots-{slots.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A node's slots and protocol, from its name; false for any other silo's.</summary>
    public static bool TryParseNode(string? name, out int slots, out int protocol)
    {
        slots = 0;
        protocol = 1;
        if (name is null || !name.StartsWith(NodePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = name.AsSpan(NodePrefix.Length);
        if (rest.StartsWith("p", StringComparison.Ordinal))
        {
            int dash = rest.IndexOf('-');
            if (dash < 2 || !int.TryParse(rest[1..dash], NumberStyles.None, CultureInfo.InvariantCulture, out protocol) || protocol < 1)
            {
                return false;
            }

            rest = rest[(dash + 1)..];
        }

        return rest.StartsWith("slots-", StringComparison.Ordinal)
            && int.TryParse(rest["slots-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out slots) && slots > 0;
    }

    /// <summary>A coordinator's protocol, from its name; false for any other silo's.</summary>
    public static bool TryParseCoordinator(string? name, out int protocol)
    {
        protocol = 1;
        if (name == CoordinatorPrefix)
        {
            return true;
        }

        return name is not null && name.StartsWith(CoordinatorPrefix + "-p", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(CoordinatorPrefix.Length + 2), NumberStyles.None, CultureInfo.InvariantCulture, out protocol) && protocol > 0;
    }
}
