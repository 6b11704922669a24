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
    public async Task NodeDeclaredDeadWhileStopped_JoinsAgainWhenResumed_AndServesTheNextJob()
    {
        // Orleans' own handler ends a silo's process once the cluster has declared it dead; a
        // tally node outlives that: the dead silo is stopped and a new one of the same process joins.
        Assert.Equal(RedisServer.Cluster.Text, cluster.Address.Text);
        var node = cluster.Node(2);

        // Joined first (the fixture does not wait for its nodes), and served a job with the others.
        var started = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < started && Joins(node.Log) == 0)
        {
            await Task.Delay(250);
        }

        int joined = Joins(node.Log);
        Assert.True(joined > 0, "the node never joined");
        node.Signal(NodeProcess.SigStop);
        try
        {
            // The other two vote it dead after 9 s of silence (SiloHost's membership settings).
            await Task.Delay(TimeSpan.FromSeconds(25));
        }
        finally
        {
            node.Signal(NodeProcess.SigCont);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !node.HasExited && (!node.Log.Contains("; leaving and joining", StringComparison.Ordinal) || Joins(node.Log) <= joined))
        {
            await Task.Delay(250);
        }

        output.WriteLine(node.Log);
        Assert.False(node.HasExited, "the node's process ended when it was declared dead");
        Assert.Contains("; leaving and joining redis://", node.Log, StringComparison.Ordinal);
        Assert.True(Joins(node.Log) > joined, "the node did not join again");

        // All three serve the next job (it waits for three), and the totals are exact.
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 6).Select(i => RandomNgrams.Rows(400 + i, 400)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"d{i}.gz", RandomNgrams.Gzip(f)))).ToArray();
        var onCluster = await CountJob.Start(sources, cluster.Options(2, 512, nodes: 3)).Result.WaitAsync(TimeSpan.FromSeconds(240));
        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(onCluster));

        static int Joins(string log) => log.Split('\n').Count(line => line.Contains(" joined redis://", StringComparison.Ordinal));
    }

    [RedisFact]
    public Task NodeKilledMidTask_OnRedisMembership_TheTotalsAreExact()
    {
        Assert.Equal(RedisServer.Cluster.Text, cluster.Address.Text);
        return MidJob.RunAsync(cluster, output, seed: 110, NodeProcess.SigKill);
    }
}
