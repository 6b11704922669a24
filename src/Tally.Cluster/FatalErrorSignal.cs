using Orleans.Runtime;

namespace Tally.Cluster;

/// <summary>
/// What a tally silo does when Orleans finds it fatally broken, above all when the cluster has
/// declared it dead (it hung, or its probes went unanswered while it was stopped or cut off): it
/// signals its owner, which stops the silo, instead of Orleans' default, which ends the process.
/// </summary>
/// <remarks>
/// Why: Orleans' own handler calls <c>Environment.FailFast</c>, printing a stack and a dump. A
/// <c>tally node</c> runs until it is told to stop and outlives jobs, yet a node resumed after a
/// SIGSTOP, or voted dead while it was still joining, was gone for good: now its loop stops the
/// dead silo and joins with a new one (a silo declared dead cannot come back, a new silo of the same
/// process can). A coordinator declared dead (on a standing cluster, where the table is not its
/// own) now ends its job with exit 3 and one line, as other cluster failures do, not with a crash.
/// Orleans' test host replaces the handler in the same way, to stop one silo without ending the process.
/// </remarks>
internal sealed class FatalErrorSignal(TaskCompletionSource<string> fatal) : IFatalErrorHandler
{
    public bool IsUnexpected(Exception exception) => exception is not ThreadAbortException;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        // Called on one of the silo's own threads: only a signal here; the owner does the rest.
        // Orleans' context for a death ends with the whole membership table: the verdict is enough.
        string reason = (context ?? exception?.Message ?? "a fatal error in the runtime").Split('\n', 2)[0];
        int table = reason.IndexOf(" Membership: [", StringComparison.Ordinal);
        fatal.TrySetResult((table > 0 ? reason[..table] : reason).Trim());
    }
}
