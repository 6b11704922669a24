using Tally.Testing;

namespace Tally.Cluster.Tests;

/// <summary>The executor contract, with the map step on a standing cluster of 3 node processes.</summary>
[Collection(ClusterTests.Name)]
public sealed class ClusterExecutorTests(ClusterFixture cluster) : ExecutorContractTests
{
    protected override CountOptions Options(int workers, int blockSize) => cluster.Options(workers, blockSize);
}
