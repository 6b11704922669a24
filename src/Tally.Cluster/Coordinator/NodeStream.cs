namespace Tally.Cluster;

/// <summary>A node's stream of reports (a map task's or a reducer's), read with every wait raced against a token, and let go without waiting on the node.</summary>
/// <remarks>
/// A call to a node that hangs (SIGSTOP) may never return, so each <see cref="MoveNextAsync"/> is
/// raced against the token rather than trusted to honour it: the attempt must end when the node
/// is declared dead, stalls or the job stops. Disposing the enumerator calls the node too, so
/// <see cref="Abandon"/> never waits for it, and starts it only once a pending MoveNext has ended:
/// the two must not overlap on one enumerator.
/// </remarks>
internal sealed class NodeStream<T>(IAsyncEnumerator<T> enumerator)
{
    /// <summary>The MoveNext still running when a wait for it was given up, else null.</summary>
    private Task<bool>? _pending;

    public T Current => enumerator.Current;

    /// <summary>The next report, or false at the stream's end.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the MoveNext is left running.</exception>
    public async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        _pending = enumerator.MoveNextAsync().AsTask();
        bool more = await _pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        _pending = null;
        return more;
    }

    /// <summary>Disposes the enumerator in the background once any pending MoveNext has ended; its failure is observed and dropped.</summary>
    public void Abandon()
    {
        _ = (_pending ?? Task.FromResult(false)).ContinueWith(_ => enumerator.DisposeAsync().AsTask(), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default).Unwrap().ContinueWith(t => t.Exception, TaskScheduler.Default);
    }
}
