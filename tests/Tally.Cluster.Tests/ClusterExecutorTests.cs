using Tally.Testing;

namespace Tally.Cluster.Tests;

/// <summary>The executor contract, with the map step on a standing cluster of 3 node processes.</summary>
[Collection(ClusterTests.Name)]
public sealed class ClusterExecutorTests(ClusterFixture cluster) : ExecutorContractTests
{
    /// <summary>
    /// A guard, not a speed check: a cluster job includes its coordinator's silo start and its three
    /// nodes' joins (once over 20 s at load average 20 on two cores), and a node replaced after a
    /// failure test joins from a cold start.
    /// </summary>
    protected override TimeSpan Guard => TimeSpan.FromSeconds(180);

    protected override CountOptions Options(int workers, int blockSize) => cluster.Options(workers, blockSize);
}
