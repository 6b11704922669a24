using Orleans.Runtime;

namespace Tally.Cluster;

/// <summary>A token per node, cancelled once cluster membership declares that node dead; the attempts running there watch it.</summary>
/// <remarks>
/// Why: when a node is declared dead, Orleans fails the calls waiting on it, but not always every
/// one: a test with a stopped node saw one of its two streams fail at the verdict and the other
/// wait for the 60 s no-progress timeout. Each dispatch loop looks at membership on every tick
/// anyway; a dead node's attempts are now lost at that tick, all of them. A silo declared dead
/// never comes back (a restarted node is a new silo address), so a token once cancelled stays so.
/// Used by one dispatch loop's thread only: no locks.
/// </remarks>
internal sealed class NodeDeaths : IDisposable
{
    private readonly Dictionary<SiloAddress, CancellationTokenSource> _nodes = [];

    /// <summary>The token of <paramref name="node"/>: cancelled once it is declared dead.</summary>
    public CancellationToken For(SiloAddress node)
    {
        if (!_nodes.TryGetValue(node, out var death))
        {
            death = new CancellationTokenSource();
            _nodes[node] = death;
        }

        return death.Token;
    }

    /// <summary>Cancels the token of every node that <paramref name="isDead"/> says is dead now.</summary>
    public void Check(Func<SiloAddress, bool> isDead)
    {
        foreach (var (node, death) in _nodes)
        {
            if (!death.IsCancellationRequested && isDead(node))
            {
                death.Cancel();
            }
        }
    }

    public void Dispose()
    {
        foreach (var death in _nodes.Values)
        {
            death.Dispose();
        }

        _nodes.Clear();
    }
}
