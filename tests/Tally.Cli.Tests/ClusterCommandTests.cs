using System.Text.RegularExpressions;

namespace Tally.Cli.Tests;

/// <summary>
/// <c>tally node</c> and <c>count --cluster</c> as a user meets them: node processes on loopback,
/// the coordinator in this process. (The cluster's failure cases are in Tally.Cluster.Tests.)
/// </summary>
public sealed class ClusterCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task CountCluster_WithNoNodes_ExitsThree_AfterTheJoinTimeout()
    {
        string input = Path.Combine(_cli.Folder, "in.tsv");
        await File.WriteAllTextAsync(input, "a\t2000\t1\t1\n");
        int port = LoopbackPort.Free();

        var result = await _cli.RunAsync(["count", "--cluster", $"127.0.0.1:{port}", "--join-timeout", "2s", input, "--quiet"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"--cluster 127.0.0.1:{port}: 0 of 1 node joined within 2 s (--join-timeout)", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--listen 127.0.0.1:0", "tally: --listen needs --cluster\n")]
    [InlineData("--cluster 127.0.0.1:1 --listen 127.0.0.1:0", "tally: --listen 127.0.0.1:0: only with --cluster redis://HOST:PORT; a coordinator without Redis listens at its --cluster address\n")]
    [InlineData("--cluster redis://127.0.0.1:1 --listen nowhere", "tally: --listen nowhere: \"nowhere\" is not HOST:PORT\n")]
    public async Task Listen_OnlyForARedisCoordinator_ExitsTwoOtherwise(string options, string error)
    {
        string input = _cli.Write("in.tsv", "a\t2000\t1\t1\n");

        var result = await _cli.RunAsync(["count", input, .. options.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(error, result.Error);
    }

    [ClusterFact]
    public async Task TwoNodes_CountLikeALocalCount_AndLeaveCleanlyOnSigterm()
    {
        string data = Directory.CreateDirectory(Path.Combine(_cli.Folder, "data")).FullName;
        for (int i = 0; i < 3; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(data, $"f{i}.tsv"), string.Concat(Enumerable.Range(0, 500).Select(r => $"w{(r * 7) + i}\t2000\t{r}\t1\n")));
        }

        int port = LoopbackPort.Free();
        using var first = TallyProcess.StartTool(_cli.Folder, "node", "--join", $"127.0.0.1:{port}", "--allow", data, "--slots", "2");
        using var second = TallyProcess.StartTool(_cli.Folder, "node", "--join", $"127.0.0.1:{port}", "--allow", data, "--slots", "2");
        try
        {
            var local = await _cli.RunAsync(["count", data, "-o", Path.Combine(_cli.Folder, "local.tsv"), "--quiet"]);
            var cluster = await _cli.RunAsync(["count", "--cluster", $"127.0.0.1:{port}", "--nodes", "2", data, "-o", Path.Combine(_cli.Folder, "cluster.tsv"), "--quiet"]);

            Assert.Equal(0, local.ExitCode);
            Assert.True(cluster.ExitCode == 0, $"{cluster.Error}\nnode 1:\n{first.Error}\nnode 2:\n{second.Error}");
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_cli.Folder, "local.tsv")), await File.ReadAllBytesAsync(Path.Combine(_cli.Folder, "cluster.tsv")));

            await first.SignalAsync("TERM");
            await second.SignalAsync("TERM");
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            first.KillHard();
            second.KillHard();
        }
    }

    [ClusterFact]
    public async Task Node_RefusesAPathOutsideAllow_ExitThreeNamingNodeAndPath()
    {
        string data = Directory.CreateDirectory(Path.Combine(_cli.Folder, "data")).FullName;
        string outside = Path.Combine(_cli.Folder, "outside.tsv");
        await File.WriteAllTextAsync(outside, "secret\t2000\t1\t1\n");
        int port = LoopbackPort.Free();
        using var node = TallyProcess.StartTool(_cli.Folder, "node", "--join", $"127.0.0.1:{port}", "--allow", data);
        try
        {
            var refused = await _cli.RunAsync(["count", "--cluster", $"127.0.0.1:{port}", outside, "--quiet"]);

            Assert.True(refused.ExitCode == 3, $"exit {refused.ExitCode}: {refused.Error}\nnode:\n{node.Error}");
            Assert.Contains($"refused {outside}: it is outside the node's --allow roots ({data})", refused.Error, StringComparison.Ordinal);
            Assert.Contains("tally: node 127.0.0.1:", refused.Error, StringComparison.Ordinal);
        }
        finally
        {
            node.KillHard();
        }
    }

    /// <summary>
    /// A node of another tally version (it claims cluster protocol 1 through the variable that tests
    /// use for it) is left out: the job exits 3 after its join timeout naming the node and why, and
    /// the node's own log says why it sits idle. No task is sent to it.
    /// </summary>
    [ClusterFact]
    public async Task NodeOfAnotherVersion_IsNotUsed_AndBothSidesSayWhy()
    {
        string data = Directory.CreateDirectory(Path.Combine(_cli.Folder, "data")).FullName;
        string input = Path.Combine(data, "in.tsv");
        await File.WriteAllTextAsync(input, "a\t2000\t1\t1\n");
        int port = LoopbackPort.Free();
        using var node = TallyProcess.StartTool(_cli.Folder, new Dictionary<string, string> { ["TALLY_CLUSTER_PROTOCOL"] = "1" },
            "node", "--join", $"127.0.0.1:{port}", "--allow", data);
        try
        {
            var result = await _cli.RunAsync(["count", "--cluster", $"127.0.0.1:{port}", "--join-timeout", "12s", input, "--verbose"]);

            Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}: {result.Error}\nnode:\n{node.Error}");
            const string Why = "another tally version: cluster protocol 1, this coordinator's 3; run the same tally version on every machine";
            Assert.Matches($@"tally: --cluster 127\.0\.0\.1:{port}: 0 of 1 node joined within 12 s \(--join-timeout\); not used: node 127\.0\.0\.1:\d+ \({Regex.Escape(Why)}\); start them with", result.Error);
            Assert.Matches($@"tally: node 127\.0\.0\.1:\d+: not used: {Regex.Escape(Why)}\n", result.Error);
            Assert.DoesNotContain("started", result.Error, StringComparison.Ordinal);
            await TallyProcess.PollAsync(() => node.Error.Contains("runs another tally version (cluster protocol 3, this node's 1) and will not use this node", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), () => $"the node's log:\n{node.Error}");
        }
        finally
        {
            node.KillHard();
        }
    }

    /// <summary>
    /// The README's standing cluster: three nodes joined once through a Redis membership table
    /// (<c>--membership redis://HOST:PORT</c>), then two counts with <c>--cluster redis://HOST:PORT</c>,
    /// each writing what a local count writes.
    /// </summary>
    [RedisClusterFact]
    public async Task RedisMembership_StandingNodes_ServeTwoCounts_LikeALocalCount()
    {
        string redis = await EmptyRedisAsync();

        string data = Directory.CreateDirectory(Path.Combine(_cli.Folder, "data")).FullName;
        for (int i = 0; i < 4; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(data, $"f{i}.tsv"), string.Concat(Enumerable.Range(0, 400).Select(r => $"w{(r * 5) + i}\t{1990 + (r % 3)}\t{r}\t1\n")));
        }

        var nodes = Enumerable.Range(0, 3).Select(_ => TallyProcess.StartTool(_cli.Folder, "node", "--membership", redis, "--allow", data, "--slots", "2")).ToList();
        try
        {
            var local = await _cli.RunAsync(["count", data, "-o", Path.Combine(_cli.Folder, "local.tsv"), "--quiet"]);
            Assert.Equal(0, local.ExitCode);
            // The second job names where its coordinator listens (--listen, for nodes on other
            // machines); the membership table must then hold the coordinator at that port.
            int listen = LoopbackPort.Free();
            foreach (var (job, extra) in new[] { ("first.tsv", Array.Empty<string>()), ("second.tsv", ["--listen", $"127.0.0.1:{listen}"]) })
            {
                var cluster = await _cli.RunAsync(["count", "--cluster", redis, "--nodes", "3", "--join-timeout", "120s", .. extra, data, "-o", Path.Combine(_cli.Folder, job), "--quiet"]);
                Assert.True(cluster.ExitCode == 0, $"{job}: {cluster.Error}\n{string.Join("\n", nodes.Select(n => n.Error))}");
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_cli.Folder, "local.tsv")), await File.ReadAllBytesAsync(Path.Combine(_cli.Folder, job)));
            }

            Assert.Contains(await MembersAsync(redis), m => m.Contains($"127.0.0.1:{listen}:", StringComparison.Ordinal));

            // The nodes served both jobs without leaving: each joined the table once.
            Assert.All(nodes, n => Assert.Single(n.ErrorLines, l => l.Contains(" joined ", StringComparison.Ordinal)));
            foreach (var node in nodes)
            {
                await node.SignalAsync("TERM");
            }

            foreach (var node in nodes)
            {
                Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }
        }
        finally
        {
            TallyProcess.KillAll(nodes);
        }
    }

    /// <summary>
    /// A coordinator stopped (SIGSTOP) on a standing cluster long enough for its nodes to vote it
    /// dead: resumed, it ends its job with exit 3 and one line, not with Orleans' crash and dump.
    /// It is stopped while it waits for a third node, so the job's length does not matter.
    /// </summary>
    [RedisClusterFact]
    public async Task RedisMembership_CoordinatorDeclaredDead_EndsItsJobWithExit3AndOneLine()
    {
        string redis = await EmptyRedisAsync();

        string data = Directory.CreateDirectory(Path.Combine(_cli.Folder, "data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "f.tsv"), "w\t2000\t1\t1\n");
        var nodes = Enumerable.Range(0, 2).Select(_ => TallyProcess.StartTool(_cli.Folder, "node", "--membership", redis, "--allow", data, "--slots", "1")).ToList();
        try
        {
            int listen = LoopbackPort.Free();
            using var coordinator = TallyProcess.StartTool(_cli.Folder, "count", "--cluster", redis, "--listen", $"127.0.0.1:{listen}", "--nodes", "3", "--join-timeout", "300s", data, "--verbose");
            await TallyProcess.PollAsync(() => nodes.All(n => n.ErrorLines.Any(l => l.Contains(" joined ", StringComparison.Ordinal))), TimeSpan.FromSeconds(60), () => string.Join("\n", nodes.Select(n => n.Error)));

            // Joined and waiting for a third node: the coordinator is in the table.
            await TallyProcess.PollAsync(() => MembersAsync(redis).GetAwaiter().GetResult().Any(m => m.Contains($"127.0.0.1:{listen}:", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), () => coordinator.Error);
            await Task.Delay(2000);
            await coordinator.SignalAsync("STOP");
            try
            {
                // The two nodes vote it dead after 9 s of silence (the cluster's membership settings).
                await Task.Delay(TimeSpan.FromSeconds(25));
            }
            finally
            {
                await coordinator.SignalAsync("CONT");
            }

            Assert.Equal(3, await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("this coordinator was declared dead by the cluster (", coordinator.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("FATAL EXCEPTION", coordinator.Error, StringComparison.Ordinal);
        }
        finally
        {
            TallyProcess.KillAll(nodes);
        }
    }

    /// <summary>The Redis server of <c>TALLY_REDIS</c> as <c>redis://HOST:PORT</c>, emptied first.</summary>
    /// <remarks>
    /// Orleans keeps the rows of silos that left; every Tally cluster has the same ids, so a test
    /// starts from an empty table rather than read another test's nodes as members.
    /// </remarks>
    private static async Task<string> EmptyRedisAsync()
    {
        string redis = Environment.GetEnvironmentVariable("TALLY_REDIS") is { Length: > 0 } address
            ? $"redis://{address}"
            : throw new InvalidOperationException("TALLY_REQUIRE_REDIS=1, but no TALLY_REDIS=127.0.0.1:PORT to test the Redis membership against");
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{redis["redis://".Length..]},allowAdmin=true");
        foreach (var endpoint in connection.GetEndPoints())
        {
            await connection.GetServer(endpoint).FlushDatabaseAsync();
        }

        return redis;
    }

    /// <summary>Every field of the Redis membership table's hashes: a silo's is its address, <c>S127.0.0.1:PORT:GENERATION</c>, dead or alive.</summary>
    private static async Task<List<string>> MembersAsync(string redis)
    {
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{redis["redis://".Length..]},allowAdmin=true");
        var members = new List<string>();
        var database = connection.GetDatabase();
        foreach (var endpoint in connection.GetEndPoints())
        {
            await foreach (var key in connection.GetServer(endpoint).KeysAsync())
            {
                if (await database.KeyTypeAsync(key) == StackExchange.Redis.RedisType.Hash)
                {
                    members.AddRange((await database.HashKeysAsync(key)).Select(k => k.ToString()));
                }
            }
        }

        return members;
    }
}
