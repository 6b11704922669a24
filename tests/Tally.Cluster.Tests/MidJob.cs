using System.Collections.Concurrent;
using System.Diagnostics;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Xunit.Abstractions;

namespace Tally.Cluster.Tests;

/// <summary>A job on a test cluster during which nodes are killed or stopped, each while it holds a task.</summary>
internal static class MidJob
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(240);

    /// <summary>Six files that take a node a few seconds each with <see cref="SlowStep"/> and 1 KiB blocks.</summary>
    public static (byte[][] Files, DataSource[] Sources) SlowSet(TempFolder folder, int seed)
    {
        var files = Enumerable.Range(0, 6).Select(i => RandomNgrams.Rows(seed + i, 2500)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"s{i}.gz", RandomNgrams.Gzip(f)))).ToArray();
        return (files, sources);
    }

    /// <summary>
    /// Counts <see cref="SlowSet"/> on <paramref name="cluster"/>, sending <c>signals[i]</c> to the
    /// i-th distinct node a task is started on, a second after that start (so it lands mid-task);
    /// asserts exact totals, and that each signalled node's tasks were lost and rerun because
    /// membership declared the node dead, not because the (60 s) stall timeout gave up on them.
    /// Replaces the signalled nodes afterwards.
    /// </summary>
    public static async Task RunAsync(ClusterFixture cluster, ITestOutputHelper output, int seed, params int[] signals)
    {
        using var folder = new TempFolder();
        var (files, sources) = SlowSet(folder, seed);
        var events = new ConcurrentQueue<(ClusterEvent Event, long At)>();
        var clock = Stopwatch.StartNew();
        var victims = new ConcurrentDictionary<int, (int Signal, long At)>();
        var victimNodes = new ConcurrentDictionary<string, int>();
        var gate = new Lock();
        var options = cluster.Options(2, 1024, e =>
        {
            events.Enqueue((e, clock.ElapsedMilliseconds));
            if (e.Kind != ClusterEventKind.Started || cluster.NodeIndexOf(e.Node) is not { } index)
            {
                return;
            }

            int signal;
            lock (gate)
            {
                if (victims.Count >= signals.Length || victims.ContainsKey(index))
                {
                    return;
                }

                signal = signals[victims.Count];
                victims[index] = (signal, -1);
                victimNodes[e.Node] = index;
            }

            // Once the node holds its task for a second, so the signal lands mid-task.
            _ = Task.Delay(1000).ContinueWith(_ =>
            {
                victims[index] = (signal, clock.ElapsedMilliseconds);
                cluster.Node(index).Signal(signal);
            }, TaskScheduler.Default);
        }) with
        { MapStep = new SlowStep() };

        try
        {
            Output.CountResult result;
            try
            {
                result = await CountJob.Start(sources, options).Result.WaitAsync(s_guard);
            }
            catch (Exception)
            {
                Write(output, events, victims);
                output.WriteLine(cluster.Logs());
                throw;
            }

            Write(output, events, victims);
            Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
            Assert.Equal(signals.Length, victims.Count);
            foreach (var (index, (signal, at)) in victims)
            {
                var lost = events.Where(e => e.Event.Kind == ClusterEventKind.Lost && victimNodes.TryGetValue(e.Event.Node, out int i) && i == index).ToList();
                Assert.True(lost.Count > 0, $"node {index} got signal {signal}, but none of its tasks was lost");
                Assert.All(lost, e => Assert.DoesNotContain("no progress", e.Event.Reason, StringComparison.Ordinal));
                output.WriteLine($"signal {signal} to node {index}: its first task lost {lost.Min(e => e.At) - at} ms after the signal ({lost[0].Event.Reason})");
            }

            Assert.True(result.Sources.Sum(s => s.Retries) >= signals.Length);
        }
        finally
        {
            foreach (int index in victims.Keys)
            {
                cluster.Replace(index);
            }
        }
    }

    private static void Write(ITestOutputHelper output, ConcurrentQueue<(ClusterEvent Event, long At)> events, ConcurrentDictionary<int, (int Signal, long At)> victims)
    {
        foreach (var (index, (signal, at)) in victims)
        {
            output.WriteLine($"signal {signal} at {at} ms to node {index}");
        }

        foreach (var (e, at) in events)
        {
            output.WriteLine($"{at,7} ms {e.Kind} {Path.GetFileName(e.Source)} on {e.Node} attempt {e.Attempt} {e.Reason}");
        }
    }
}
