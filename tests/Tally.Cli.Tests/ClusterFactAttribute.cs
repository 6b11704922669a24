namespace Tally.Cli.Tests;

/// <summary>
/// A test that starts cluster node processes: opt-in with <c>TALLY_CLUSTER_TESTS=1</c>, like the
/// Tally.Cluster.Tests suite, until the cluster's membership settings hold on a loaded machine.
/// </summary>
internal sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("TALLY_CLUSTER_TESTS") != "1")
        {
            Skip = "starts cluster node processes; set TALLY_CLUSTER_TESTS=1 to run it";
        }
    }
}
