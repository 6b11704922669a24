namespace Tally.Cluster.Tests;

/// <summary>Silo names carry what a silo is, its slots and its cluster protocol; the first version's names, which carried no protocol, read as version 1.</summary>
public sealed class NodeNameTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(64)]
    public void ThisBuildsNodeName_ReadsBack(int slots)
    {
        Assert.True(NodeName.TryParseNode(NodeName.Format(slots), out int read, out int protocol));
        Assert.Equal((slots, ClusterProtocol.Version), (read, protocol));
        Assert.False(NodeName.TryParseCoordinator(NodeName.Format(slots), out _));
        Assert.True(NodeName.TryParseCoordinator(NodeName.Coordinator, out protocol));
        Assert.Equal(ClusterProtocol.Version, protocol);
        Assert.False(NodeName.TryParseNode(NodeName.Coordinator, out _, out _));
    }

    [Theory]
    [InlineData("tally-node-slots-4", 4, 1)]
    [InlineData("tally-node-p1-slots-2", 2, 1)]
    [InlineData("tally-node-p2-slots-16", 16, 2)]
    [InlineData("tally-node-p17-slots-1", 1, 17)]
    public void NodeNames_OfEveryVersion_Parse(string name, int slots, int protocol)
    {
        Assert.True(NodeName.TryParseNode(name, out int readSlots, out int readProtocol));
        Assert.Equal((slots, protocol), (readSlots, readProtocol));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("tally-node-")]
    [InlineData("tally-node-slots-0")]
    [InlineData("tally-node-slots-")]
    [InlineData("tally-node-p-slots-2")]
    [InlineData("tally-node-p0-slots-2")]
    [InlineData("tally-node-p2")]
    [InlineData("tally-node-p2-slots-x")]
    [InlineData("tally-node-px-slots-2")]
    [InlineData("orleans-silo")]
    public void OtherNames_AreNoNode(string? name) => Assert.False(NodeName.TryParseNode(name, out _, out _));

    [Theory]
    [InlineData("tally-coordinator", 1)]
    [InlineData("tally-coordinator-p2", 2)]
    [InlineData("tally-coordinator-p40", 40)]
    public void CoordinatorNames_OfEveryVersion_Parse(string name, int protocol)
    {
        Assert.True(NodeName.TryParseCoordinator(name, out int read));
        Assert.Equal(protocol, read);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("tally-coordinator-")]
    [InlineData("tally-coordinator-p")]
    [InlineData("tally-coordinator-p0")]
    [InlineData("tally-coordinatorx")]
    [InlineData("tally-node-p2-slots-1")]
    public void OtherNames_AreNoCoordinator(string? name) => Assert.False(NodeName.TryParseCoordinator(name, out _));
}
