using Orleans.Runtime;

namespace Tally.Cluster.Nodes;

/// <summary>
/// What a node's silo does when Orleans finds it fatally broken, above all when the cluster has
/// declared it dead (it hung, or its probes went unanswered while it was stopped or starved): stop
/// this silo and join again, instead of Orleans' default, which ends the process.
/// </summary>
/// <remarks>
/// Why: <c>tally node</c> runs until it is told to stop (SIGTERM, Ctrl+C) and outlives jobs. Orleans'
/// own handler calls <c>Environment.FailFast</c>: a node resumed after a SIGSTOP, or one voted dead
/// while it was still joining, was gone for good, and a standing cluster lost a machine until
/// someone restarted it. A silo declared dead cannot come back (its generation is dead in the
/// table), but a new silo of the same process can: the node's loop stops the old one and starts
/// another, as it does between jobs of a fixed coordinator. Orleans' test host replaces the
/// handler in the same way, to stop one silo without ending the process.
/// </remarks>
internal sealed class RejoiningFatalErrorHandler(NodeSignals signals) : IFatalErrorHandler
{
    public bool IsUnexpected(Exception exception) => exception is not ThreadAbortException;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        // Called on one of the silo's own threads: only a signal here; the node's loop does the rest.
        // Orleans' context for a death ends with the whole membership table: the verdict is enough.
        string reason = (context ?? exception?.Message ?? "a fatal error in the runtime").Split('\n', 2)[0];
        int table = reason.IndexOf(" Membership: [", StringComparison.Ordinal);
        signals.Fatal.TrySetResult((table > 0 ? reason[..table] : reason).Trim());
    }
}
