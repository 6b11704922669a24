namespace Tally.Cli.Tests;

/// <summary>
/// A test that starts cluster node processes: run with <c>TALLY_CLUSTER_TESTS=1</c>, like the
/// Tally.Cluster.Tests suite, which <c>.ci/run</c> sets for a run of its own after the whole suite
/// (<c>--filter ClusterCommandTests</c>), rather than beside the other test assemblies.
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

/// <summary>
/// A cluster test that also needs a Redis server, <c>TALLY_REDIS=127.0.0.1:PORT</c> (<c>.ci/run</c>
/// starts one): skipped without it, saying so, unless <c>TALLY_REQUIRE_REDIS=1</c>, which makes it fail instead.
/// </summary>
internal sealed class RedisClusterFactAttribute : FactAttribute
{
    public RedisClusterFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("TALLY_CLUSTER_TESTS") != "1")
        {
            Skip = "starts cluster node processes; set TALLY_CLUSTER_TESTS=1 to run it";
        }
        else if (Environment.GetEnvironmentVariable("TALLY_REDIS") is not { Length: > 0 } && Environment.GetEnvironmentVariable("TALLY_REQUIRE_REDIS") != "1")
        {
            Skip = "needs a Redis server: set TALLY_REDIS=127.0.0.1:PORT (.ci/run starts one)";
        }
    }
}
