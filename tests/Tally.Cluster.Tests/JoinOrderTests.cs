using System.Collections.Immutable;
using System.Net;
using Orleans.Runtime;

namespace Tally.Cluster.Tests;

/// <summary>
/// Nodes that served a job rejoin the next fixed coordinator one after another, in the order of
/// the last job's node list, so that their writes to its membership table do not meet (a lost
/// write waits 2-4 s in Orleans); a lone node, or one new to the cluster, joins at once.
/// </summary>
public sealed class JoinOrderTests
{
    private static readonly string[] s_three = ["127.0.0.1:40001", "127.0.0.1:40002", "127.0.0.1:40003"];

    [Fact]
    public void EveryNodeOfTheLastJob_WaitsForItsOwnPlace_TheFirstForNothing()
    {
        var delays = s_three.Select(node => ClusterNode.JoinDelay(s_three, node)).ToList();
        Assert.Equal([TimeSpan.Zero, ClusterNode.JoinSpacing, 2 * ClusterNode.JoinSpacing], delays);
    }

    [Fact]
    public void ALoneNode_ANewNode_AndTheFirstJob_JoinAtOnce()
    {
        Assert.Equal(TimeSpan.Zero, ClusterNode.JoinDelay(["127.0.0.1:40001"], "127.0.0.1:40001"));
        Assert.Equal(TimeSpan.Zero, ClusterNode.JoinDelay(s_three, "127.0.0.1:40009"));
        Assert.Equal(TimeSpan.Zero, ClusterNode.JoinDelay([], "127.0.0.1:40001"));
    }

    [Fact]
    public void ManyNodes_StartAgainFromNothing_PastTheSpread()
    {
        var nodes = Enumerable.Range(0, ClusterNode.JoinSpread + 2).Select(i => $"127.0.0.1:{41000 + i}").ToList();
        Assert.Equal(TimeSpan.Zero, ClusterNode.JoinDelay(nodes, nodes[ClusterNode.JoinSpread]));
        Assert.Equal(ClusterNode.JoinSpacing, ClusterNode.JoinDelay(nodes, nodes[ClusterNode.JoinSpread + 1]));
        Assert.True(nodes.Max(n => ClusterNode.JoinDelay(nodes, n)) < ClusterNode.JoinSpacing * ClusterNode.JoinSpread);
    }

    [Fact]
    public void TheLastJobsNodes_AreEveryNodeInItsTable_LeftOrNot_InOneOrderWhateverTheTablesOrder()
    {
        long generation = 1;
        ClusterMember Member(int port, SiloStatus status, string name)
            => new(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), (int)generation++), status, name);

        ClusterMember[] members =
        [
            Member(40003, SiloStatus.ShuttingDown, NodeName.Format(2)),
            Member(11111, SiloStatus.Active, NodeName.Coordinator),
            Member(40001, SiloStatus.Active, NodeName.Format(1)),
            Member(40004, SiloStatus.Dead, NodeName.Format(2)),
            Member(40002, SiloStatus.Active, "tally-node-p1-slots-2"),
            Member(40001, SiloStatus.Dead, NodeName.Format(1)),
        ];
        foreach (var order in new[] { members, members.Reverse().ToArray() })
        {
            var snapshot = new ClusterMembershipSnapshot(order.ToImmutableDictionary(m => m.SiloAddress), new MembershipVersion(7));
            Assert.Equal(["127.0.0.1:40001", "127.0.0.1:40002", "127.0.0.1:40003", "127.0.0.1:40004"], ClusterNode.JobNodes(snapshot));
        }
    }
}
