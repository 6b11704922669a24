using System.Net;

namespace Tally.Cluster;

/// <summary>How the coordinator of a cluster job listens, waits for nodes and judges their failures.</summary>
public sealed record ClusterExecutorOptions
{
    /// <summary>The cluster: the coordinator's own <c>HOST:PORT</c> (it is the primary silo), or <c>redis://HOST:PORT</c>.</summary>
    public required ClusterAddress Cluster { get; init; }

    /// <summary>Where the coordinator listens with Redis membership (default: loopback, a free port; port 0: a free port on that address); with <c>HOST:PORT</c> membership it listens there.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>Nodes to wait for before the first task is sent.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>How long to wait for <see cref="Nodes"/> nodes; then the job fails with an input error (exit 3).</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A task (or reducer) whose work does not advance for this long, its reports stopped or showing the same work, is given up on its node and run on another.</summary>
    /// <remarks>A map run's sort and the write of a Parquet or SQLite part show no work as they go: keep this above the longest of those.</remarks>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the job waits for a node to come back once every node has left, before it fails (exit 3).</summary>
    public TimeSpan NodesGoneGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Attempts a source gets when nodes die or stall under it, before it fails naming the last reason.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Mutual TLS with the nodes (each must be given a certificate this trusts, and trust this one); null: plain TCP, for a network that is trusted as a whole.</summary>
    public ClusterTls? Tls { get; init; }

    /// <summary>Told of every attempt as it starts and ends (tests, and the CLI's verbose lines); may be null.</summary>
    public Action<ClusterEvent>? Events { get; init; }

    /// <summary>
    /// When set, the reduce runs on the nodes too (<c>--reduce-on-nodes</c>): map tasks write their
    /// tables to shared storage and reducers write the sorted output as part files; the job's
    /// <see cref="Output.CountResult"/> then holds the figures but no totals. See <see cref="ClusterReduce"/>.
    /// </summary>
    public ClusterReduce? Reduce { get; init; }
}

/// <summary>What happened to an attempt of a task on a node.</summary>
/// <param name="Kind">Started, counted, failed, lost (the node died or stalled: retried), or rejected (retried, not counted as a failure).</param>
/// <param name="Source">The source's name.</param>
/// <param name="Node">The node's name (its silo address).</param>
/// <param name="Attempt">0 for the first attempt.</param>
/// <param name="Reason">Why an attempt was lost or rejected; empty otherwise.</param>
public sealed record ClusterEvent(ClusterEventKind Kind, string Source, string Node, int Attempt, string Reason)
{
    /// <summary>For <see cref="ClusterEventKind.Completed"/>: the table's encoded bytes that came from the node.</summary>
    public long TableBytes { get; init; }

    /// <summary>For <see cref="ClusterEventKind.Completed"/>: from the table's first chunk to its last, decoded (encoding on the node, the network, decoding here).</summary>
    public TimeSpan TableTime { get; init; }

    /// <summary>For <see cref="ClusterEventKind.ReduceCompleted"/>: the rows (distinct keys) of the part.</summary>
    public long Rows { get; init; }
}

/// <summary>The kinds of <see cref="ClusterEvent"/>.</summary>
public enum ClusterEventKind
{
    /// <summary>Sent to a node.</summary>
    Started,

    /// <summary>Its outcome was accepted (counted, or a data or input error).</summary>
    Completed,

    /// <summary>Its node died, left or stalled: the source runs again elsewhere.</summary>
    Lost,

    /// <summary>The runtime rejected the call (a dead node not yet declared dead): retried after a pause, not counted as a failure.</summary>
    Rejected,

    /// <summary>A reducer was sent to a node (<see cref="ClusterEvent.Source"/> is its part's name, such as <c>part-00002</c>).</summary>
    ReduceStarted,

    /// <summary>A reducer's part is in place (<see cref="ClusterEvent.Rows"/>, <see cref="ClusterEvent.TableBytes"/>).</summary>
    ReduceCompleted,

    /// <summary>A reducer's node died, left or stalled: the reducer runs again on another node, from the map runs on shared storage.</summary>
    ReduceLost,

    /// <summary>A node in the cluster that this coordinator will not use (<see cref="ClusterEvent.Reason"/> says why: another tally version); <see cref="ClusterEvent.Source"/> is empty.</summary>
    NodeRefused,
}

/// <summary>A node as the coordinator sees it: its address, slots, tasks running and done, and whether it is still in the cluster.</summary>
/// <param name="Name">The node's silo address as Orleans writes it (<c>HOST:PORT@GENERATION</c>): a node restarted on the same port is another node.</param>
/// <param name="Slots">Tasks it runs at once.</param>
/// <param name="Running">Tasks running on it now.</param>
/// <param name="Done">Tasks it completed in this job.</param>
/// <param name="IsAlive">False once the node has left or been declared dead; its tasks then run elsewhere, and its line stays, with what it did.</param>
public sealed record NodeStatus(string Name, int Slots, int Running, int Done, bool IsAlive = true)
{
    /// <summary>The node's <c>HOST:PORT</c>: <see cref="Name"/> without the generation.</summary>
    public string Address => Name.Split('@', 2)[0];
}
