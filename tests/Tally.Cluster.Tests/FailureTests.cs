using System.Collections.Concurrent;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Xunit.Abstractions;

namespace Tally.Cluster.Tests;

/// <summary>
/// What only the cluster does: survive a node killed or stopped mid-task (or one of each in one
/// job) with every source counted exactly once, fail clearly once every node is gone, serve two jobs in a row on the same
/// nodes, and refuse a path outside --allow.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class FailureTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(240);

    [Theory]
    [InlineData(NodeProcess.SigKill)]
    [InlineData(NodeProcess.SigStop)]
    public Task NodeKilledOrStoppedMidTask_ItsTasksRunElsewhere_AndTheTotalsAreExact(int signal)
        => MidJob.RunAsync(cluster, output, seed: 70 + signal, signal);

    /// <summary>Two of the three nodes fail in one job, one killed and one hung: the last node counts what they held.</summary>
    [Fact]
    public Task OneNodeKilledAndAnotherStopped_InOneJob_TheTotalsAreExact()
        => MidJob.RunAsync(cluster, output, seed: 90, NodeProcess.SigKill, NodeProcess.SigStop);

    [Fact]
    public Task TwoJobsInARow_OnTheSameStandingNodes_AreBothExact() => TwoJobsInARowAsync(cluster);

    /// <summary>Two jobs one after the other on <paramref name="cluster"/>'s nodes: both exact, and every node served the second.</summary>
    internal static async Task TwoJobsInARowAsync(ClusterFixture cluster)
    {
        using var folder = new TempFolder();
        for (int job = 0; job < 2; job++)
        {
            var files = Enumerable.Range(0, 4).Select(i => RandomNgrams.Rows((job * 10) + i, 400)).ToArray();
            var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"j{job}-{i}", f))).ToArray();

            var options = cluster.Options(2, 256);
            var result = await CountJob.Start(sources, options).Result.WaitAsync(s_guard);

            Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));

            // What the live display's node lines read: every node, alive, idle, and each task done once.
            var nodes = ((ClusterExecutor)options.Executor!).Nodes;
            Assert.Equal(ClusterFixture.NodeCount, nodes.Count(n => n.IsAlive));
            Assert.All(nodes, n => Assert.True(n.Running == 0 && n.Address.StartsWith("127.0.0.1:", StringComparison.Ordinal), n.ToString()));
            Assert.Equal(files.Length, nodes.Sum(n => n.Done));
        }
    }

    /// <summary>
    /// A task whose work stands still on a live node (its read hung, its node answering probes and
    /// its stream still reporting, the same figures each time) is given up after the stall timeout
    /// and rerun on another node; the totals are exact, and no node was declared dead.
    /// </summary>
    [Fact]
    public async Task TaskWhoseWorkStandsStill_OnALiveNode_IsRerunElsewhere_AfterTheStallTimeout()
    {
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 3).Select(i => RandomNgrams.Rows(130 + i, 300)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write(i == 1 ? "stall-1.tsv" : $"s{i}.tsv", f))).ToArray();
        var events = new ConcurrentQueue<ClusterEvent>();
        var options = cluster.Options(2, 256, events.Enqueue, stall: TimeSpan.FromSeconds(2)) with { MapStep = new StallOnceStep() };

        var result = await CountJob.Start(sources, options).Result.WaitAsync(s_guard);

        foreach (var e in events)
        {
            output.WriteLine($"{e.Kind} {Path.GetFileName(e.Source)} attempt {e.Attempt} on {e.Node}: {e.Reason}");
        }

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        var stalled = events.Where(e => e.Source.EndsWith("stall-1.tsv", StringComparison.Ordinal)).ToList();
        var lost = Assert.Single(stalled, e => e.Kind == ClusterEventKind.Lost);
        Assert.Equal("no progress for 2 s", lost.Reason);
        var starts = stalled.Where(e => e.Kind == ClusterEventKind.Started).ToList();
        Assert.Equal(2, starts.Count);
        Assert.NotEqual(starts[0].Node, starts[1].Node);
        Assert.DoesNotContain(events, e => e.Kind == ClusterEventKind.Lost && e.Reason != lost.Reason);
    }

    /// <summary>
    /// The coordinator stopped mid-job with checkpoints (its job cancelled; bench/cluster_failures.py
    /// SIGKILLs a real one): the same job again takes the finished sources from their checkpoints,
    /// sends only the others to the nodes, and gives exact totals.
    /// </summary>
    [Fact]
    public async Task CoordinatorStoppedMidJob_WithCheckpoints_TheSameJobAgainCountsOnlyTheRest()
    {
        using var folder = new TempFolder();
        // Two files of one block end at once; four of many slow blocks are still running when the job stops.
        var files = Enumerable.Range(0, 6).Select(i => RandomNgrams.Rows(140 + i, i < 2 ? 5 : 1000)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"c{i}.gz", RandomNgrams.Gzip(f)))).ToArray();
        string checkpoints = Path.Combine(folder.Path, "checkpoints");
        using var stop = new CancellationTokenSource();
        var options = cluster.Options(2, 1024) with { MapStep = new SlowStep(), CheckpointDirectory = checkpoints };

        // A source's completion is published once its checkpoint is saved: stop after the second.
        var job = CountJob.Start(sources, options, cancellationToken: stop.Token);
        int completed = 0;
        await foreach (var _ in job.Completions.WithCancellation(CancellationToken.None))
        {
            if (++completed == 2)
            {
                await stop.CancelAsync();
                break;
            }
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Result.WaitAsync(s_guard));
        var saved = Directory.GetFiles(checkpoints);
        output.WriteLine($"{saved.Length} checkpoints after the stop");
        Assert.InRange(saved.Length, 2, 5);

        var second = new ConcurrentQueue<ClusterEvent>();
        var result = await CountJob.Start(sources, cluster.Options(2, 1024, second.Enqueue) with { MapStep = new SlowStep(), CheckpointDirectory = checkpoints }).Result.WaitAsync(s_guard);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        Assert.Equal(saved.Length, result.Sources.Count(s => s.Resumed));
        var started = second.Where(e => e.Kind == ClusterEventKind.Started).Select(e => e.Source).ToHashSet();
        Assert.Equal(result.Sources.Where(s => !s.Resumed).Select(s => s.Name).ToHashSet(), started);
    }

    /// <summary>
    /// Every node killed mid-job: once membership has declared them all dead, the job waits the
    /// grace for one to come back, then fails with one input error (exit 3 from the CLI) saying so
    /// and how many sources were not counted. All three die at once, so the coordinator is left to
    /// vote alone (SiloHost's membership settings say why that is slower than one death).
    /// </summary>
    [Fact]
    public async Task EveryNodeKilledMidJob_TheJobFailsAfterTheGrace_SayingSo()
    {
        using var folder = new TempFolder();
        var (_, sources) = MidJob.SlowSet(folder, seed: 120);
        var events = new ConcurrentQueue<ClusterEvent>();
        int killed = 0;
        var options = cluster.Options(2, 1024, e =>
        {
            events.Enqueue(e);
            if (e.Kind == ClusterEventKind.Started && Interlocked.Exchange(ref killed, 1) == 0)
            {
                // A second into the first task, so every node holds one.
                _ = Task.Delay(1000).ContinueWith(_ =>
                {
                    for (int i = 0; i < ClusterFixture.NodeCount; i++)
                    {
                        cluster.Node(i).Kill();
                    }
                }, TaskScheduler.Default);
            }
        }, grace: TimeSpan.FromSeconds(2)) with
        { MapStep = new SlowStep() };

        try
        {
            var error = await Assert.ThrowsAsync<TallyInputException>(() => CountJob.Start(sources, options).Result.WaitAsync(s_guard));

            output.WriteLine(error.Message);
            foreach (var e in events)
            {
                output.WriteLine($"{e.Kind} {Path.GetFileName(e.Source)} on {e.Node}: {e.Reason}");
            }

            Assert.Matches(@"^--cluster 127\.0\.0\.1:\d+: every node left the cluster and none came back within 2 s; [1-6] sources? not counted$", error.Message);
            // Each node's tasks were lost to its death, not given up on by the stall timeout.
            var lost = events.Where(e => e.Kind == ClusterEventKind.Lost).ToList();
            Assert.NotEmpty(lost);
            Assert.All(lost, e => Assert.DoesNotContain("no progress", e.Reason, StringComparison.Ordinal));
        }
        finally
        {
            for (int i = 0; i < ClusterFixture.NodeCount; i++)
            {
                cluster.Replace(i);
            }
        }
    }

    [Fact]
    public async Task PathOutsideAllow_IsRefused_NamingTheNodeAndThePath()
    {
        // The test binaries' folder is not under the nodes' --allow root (the temp folder).
        // The job waits for all three nodes, not one: a node still joining when a job ends is not
        // in the table its coordinator waits on, stays in that cluster, and is ended by Orleans when
        // the next job's coordinator starts at the same address (a younger table); the next test
        // then waited for its replacement past the contract suite's guard.
        string outside = Path.Combine(AppContext.BaseDirectory, $"outside-{Guid.NewGuid():N}.tsv");
        await File.WriteAllTextAsync(outside, "secret\t2000\t1\t1\n");
        try
        {
            var error = await Assert.ThrowsAsync<TallyInputException>(() =>
                CountJob.Start([DataSource.FromFile(outside)], cluster.Options(1, 64)).Result.WaitAsync(s_guard));

            output.WriteLine(error.Message);
            Assert.Contains("refused", error.Message, StringComparison.Ordinal);
            Assert.Contains(outside, error.Message, StringComparison.Ordinal);
            Assert.Contains("node 127.0.0.1:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(outside);
        }
    }
}
