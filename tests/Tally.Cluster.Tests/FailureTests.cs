using System.Collections.Concurrent;
using System.Diagnostics;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Xunit.Abstractions;

namespace Tally.Cluster.Tests;

/// <summary>
/// What only the cluster does: survive a node killed or stopped mid-task with every source counted
/// exactly once, serve two jobs in a row on the same nodes, and refuse a path outside --allow.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class FailureTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(240);

    /// <summary>Six files that take a node a few seconds each with <see cref="SlowStep"/> and 1 KiB blocks.</summary>
    private static (byte[][] Files, DataSource[] Sources) SlowSet(TempFolder folder, int seed)
    {
        var files = Enumerable.Range(0, 6).Select(i => RandomNgrams.Rows(seed + i, 4000)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"s{i}.gz", RandomNgrams.Gzip(f)))).ToArray();
        return (files, sources);
    }

    [Theory]
    [InlineData(NodeProcess.SigKill)]
    [InlineData(NodeProcess.SigStop)]
    public async Task NodeKilledOrStoppedMidTask_ItsTasksRunElsewhere_AndTheTotalsAreExact(int signal)
    {
        using var folder = new TempFolder();
        var (files, sources) = SlowSet(folder, seed: 70 + signal);
        var events = new ConcurrentQueue<(ClusterEvent Event, long At)>();
        var clock = Stopwatch.StartNew();
        int victim = -1;
        long signalled = 0;
        var options = cluster.Options(2, 1024, e =>
        {
            events.Enqueue((e, clock.ElapsedMilliseconds));
            if (e.Kind == ClusterEventKind.Started && cluster.NodeIndexOf(e.Node) is { } index && Interlocked.CompareExchange(ref victim, index, -1) == -1)
            {
                // Once the node holds a task for a second, so the signal lands mid-task.
                _ = Task.Delay(1000).ContinueWith(_ =>
                {
                    Interlocked.Exchange(ref signalled, clock.ElapsedMilliseconds);
                    cluster.Node(index).Signal(signal);
                }, TaskScheduler.Default);
            }
        }) with
        { MapStep = new SlowStep() };

        try
        {
            var job = CountJob.Start(sources, options);
            try
            {
                await job.Result.WaitAsync(s_guard);
            }
            catch (TallyInputException)
            {
                output.WriteLine(cluster.Logs());
                throw;
            }

            var result = await job.Result;
            output.WriteLine($"signal {signal} at {Interlocked.Read(ref signalled)} ms to node {victim}");
            foreach (var (e, at) in events)
            {
                output.WriteLine($"{at,7} ms {e.Kind} {Path.GetFileName(e.Source)} on {e.Node} attempt {e.Attempt} {e.Reason}");
            }

            Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
            var lost = events.Where(e => e.Event.Kind == ClusterEventKind.Lost).ToList();
            Assert.NotEmpty(lost);
            Assert.True(result.Sources.Sum(s => s.Retries) >= 1);
            output.WriteLine($"first task lost {lost.Min(e => e.At) - Interlocked.Read(ref signalled)} ms after the signal: {lost[0].Event.Reason}");
        }
        finally
        {
            if (victim >= 0)
            {
                cluster.Replace(victim);
            }
        }
    }

    [Fact]
    public async Task TwoJobsInARow_OnTheSameStandingNodes_AreBothExact()
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

    [Fact]
    public async Task PathOutsideAllow_IsRefused_NamingTheNodeAndThePath()
    {
        // The test binaries' folder is not under the nodes' --allow root (the temp folder).
        string outside = Path.Combine(AppContext.BaseDirectory, $"outside-{Guid.NewGuid():N}.tsv");
        await File.WriteAllTextAsync(outside, "secret\t2000\t1\t1\n");
        try
        {
            var error = await Assert.ThrowsAsync<TallyInputException>(() =>
                CountJob.Start([DataSource.FromFile(outside)], cluster.Options(1, 64, nodes: 1)).Result.WaitAsync(s_guard));

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
