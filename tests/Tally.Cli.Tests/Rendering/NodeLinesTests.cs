using Tally.Cli.Rendering;
using Tally.Engine;

namespace Tally.Cli.Tests.Rendering;

/// <summary>The cluster's node lines in the live display, from a fake list of nodes: no cluster is started.</summary>
public sealed class NodeLinesTests
{
    private static readonly NodeLine[] s_nodes =
    [
        new("127.0.0.1:11112", 2, 2, 5, IsAlive: true),
        new("127.0.0.1:11113", 1, 0, 3, IsAlive: false),
        new("10.20.30.40:11111", 4, 1, 0, IsAlive: true),
    ];

    [Fact]
    public void NotAttached_NoLines()
        => Assert.Empty(new NodeLines().Current());

    [Fact]
    public void OneLinePerNode_RunningDoneAndDead()
    {
        var lines = new NodeLines();
        lines.Attach(() => s_nodes);

        var items = lines.Current();

        Assert.Equal(["node 127.0.0.1:11112", "node 127.0.0.1:11113", "node 10.20.30.40:11111"], items.Select(i => i.Name));
        Assert.Equal("2/2 running, 5 done", items[0].Note);
        Assert.Equal("dead, 3 done", items[1].Note);
        Assert.Equal("1/4 running, 0 done", items[2].Note);
    }

    [Fact]
    public void ReadEachRefresh_FollowsTheExecutor()
    {
        var now = new List<NodeLine> { new("127.0.0.1:11112", 1, 1, 0, true) };
        var lines = new NodeLines();
        lines.Attach(() => [.. now]);
        Assert.Equal("1/1 running, 0 done", lines.Current().Single().Note);

        now[0] = now[0] with { Running = 0, Done = 1 };
        Assert.Equal("0/1 running, 1 done", lines.Current().Single().Note);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(100)]
    public void BesideTheInputs_Snapshot(int width)
    {
        var rendered = ProgressLayout.Render(Frame(), width, 30);

        Snapshot.Match($"cluster-nodes-{width}", rendered);
        Assert.Equal(2 + 3 + 2, rendered.Count);
        Assert.Equal("node 127.0.0.1:11113", rendered[3][..20]);
        Assert.StartsWith("all inputs", rendered[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void EveryWidth_NoLineWraps()
    {
        var frame = Frame();
        for (int width = 1; width <= 160; width++)
        {
            foreach (int height in new[] { 1, 4, 30 })
            {
                Assert.All(ProgressLayout.Render(frame, width, height), l => Assert.True(l.Length <= width, $"{width}x{height}: {l}"));
            }
        }
    }

    private static ProgressFrame Frame()
    {
        var lines = new NodeLines();
        lines.Attach(() => s_nodes);
        var tracker = new ProgressTracker([lines]);
        const long Size = 78_500_000;
        ProgressFrame frame = null!;
        for (int t = 1; t <= 2; t++)
        {
            frame = tracker.Next(new CountProgress(TimeSpan.FromSeconds(t),
            [
                new SourceProgress("a.gz", Size, t * 20_000_000L, t * 3_300_000L, SourceStatus.Running),
                new SourceProgress("b.gz", Size, t * 15_000_000L, t * 2_500_000L, SourceStatus.Running),
            ]));
        }

        return frame with { Tick = 3 };
    }
}

/// <summary>The <c>--verbose</c> line per cluster task, from events made here: no cluster is started.</summary>
public sealed class ClusterTaskLinesTests
{
    [Fact]
    public void Completed_SaysTheNodeTheTableAndItsRate()
    {
        var e = new Tally.Cluster.ClusterEvent(Tally.Cluster.ClusterEventKind.Completed, "/data/a.gz", "127.0.0.1:11112@123456", 0, "")
        {
            TableBytes = 4_000_000,
            TableTime = TimeSpan.FromSeconds(2),
        };

        Assert.Equal("node 127.0.0.1:11112: finished /data/a.gz; table 4.0 MB in 2.00 s (2.0 MB/s)", Commands.ClusterSupport.Describe(e));
    }

    [Fact]
    public void Lost_SaysTheAttemptAndWhy()
    {
        var e = new Tally.Cluster.ClusterEvent(Tally.Cluster.ClusterEventKind.Lost, "a.gz", "127.0.0.1:11112@1", 1, "SiloUnavailableException: gone");

        Assert.Equal("node 127.0.0.1:11112: lost a.gz (attempt 2), to run again: SiloUnavailableException: gone", Commands.ClusterSupport.Describe(e));
    }
}
