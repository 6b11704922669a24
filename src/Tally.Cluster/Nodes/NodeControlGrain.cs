using Tally.Cluster.Wire;

namespace Tally.Cluster.Nodes;

/// <summary>Tells the node's loop that its coordinator is leaving, so it does not wait for membership to notice.</summary>
[GrainType(TypeName)]
internal sealed class NodeControlGrain(NodeSignals signals) : Grain, INodeControlGrain
{
    public const string TypeName = "tally-node-control";

    public Task CoordinatorLeavingAsync()
    {
        signals.CoordinatorLeaving.TrySetResult();
        return Task.CompletedTask;
    }
}

/// <summary>Signals from the cluster to the node's loop, one set per joined cluster.</summary>
internal sealed class NodeSignals
{
    public TaskCompletionSource CoordinatorLeaving { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when the runtime finds this silo fatally broken (see <see cref="FatalErrorSignal"/>): why.</summary>
    public TaskCompletionSource<string> Fatal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
