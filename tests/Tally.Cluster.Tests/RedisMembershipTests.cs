using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Xunit.Abstractions;

namespace Tally.Cluster.Tests;

/// <summary>
/// A standing cluster with Redis membership (<c>--membership redis://HOST:PORT</c>, <c>--cluster
/// redis://HOST:PORT</c>): three node processes that joined through the table once serve every
/// job, each job's coordinator joining them through the same table.
/// </summary>
[Collection(RedisClusterTests.Name)]
public sealed class RedisMembershipTests(RedisClusterFixture cluster, ITestOutputHelper output)
{
    [RedisFact]
    public async Task Job_OnStandingRedisNodes_GivesTheLocalTotals()
    {
        Assert.Equal(RedisServer.Cluster.Text, cluster.Address.Text);
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 5).Select(i => RandomNgrams.Rows(300 + i, 500)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"r{i}.gz", RandomNgrams.Gzip(f)))).ToArray();

        var onCluster = await CountJob.Start(sources, cluster.Options(2, 512)).Result.WaitAsync(TimeSpan.FromSeconds(240));
        var local = await CountJob.Start(sources, new CountOptions { Workers = 2, BlockSize = 512 }).Result;

        Assert.Equal(ReferenceCount.FromResult(local), ReferenceCount.FromResult(onCluster));
        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(onCluster));
    }

    [RedisFact]
    public Task TwoJobsInARow_OnTheSameStandingRedisNodes_AreBothExact()
    {
        Assert.Equal(RedisServer.Cluster.Text, cluster.Address.Text);
        return FailureTests.TwoJobsInARowAsync(cluster);
    }

    [RedisFact]
    public Task NodeKilledMidTask_OnRedisMembership_TheTotalsAreExact()
    {
        Assert.Equal(RedisServer.Cluster.Text, cluster.Address.Text);
        return MidJob.RunAsync(cluster, output, seed: 110, NodeProcess.SigKill);
    }
}
