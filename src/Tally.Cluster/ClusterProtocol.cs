using System.Globalization;

namespace Tally.Cluster;

/// <summary>
/// The version of what a coordinator and its nodes say to each other. Each silo's name carries it
/// (<see cref="NodeName"/>), so a coordinator uses only nodes of its own version, and says which
/// it left out, instead of sending them tasks whose answers it would misread.
/// </summary>
/// <remarks>
/// Raised whenever a message's layout or meaning changes. 1: the first (its silo names carry no
/// version); 2: a map run's summary carries its records' bytes, and its sample is spaced by them;
/// 3: a task's progress report carries its work done, and only work that advances holds off the
/// coordinator's stall timeout (a version-2 node's run write would look stalled).
/// Tally's builds of one version always agree, so the rule for users is simply: run the same tally
/// version on every machine of a cluster.
/// </remarks>
internal static class ClusterProtocol
{
    /// <summary>This build's version.</summary>
    public const int Current = 3;

    /// <summary>The environment variable that makes a process claim another version: for tests, which have only one build to run.</summary>
    public const string OverrideVariable = "TALLY_CLUSTER_PROTOCOL";

    /// <summary>The version this process speaks: <see cref="Current"/>, unless <see cref="OverrideVariable"/> says otherwise.</summary>
    public static int Version { get; } =
        int.TryParse(Environment.GetEnvironmentVariable(OverrideVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int claimed) && claimed > 0 ? claimed : Current;
}
