namespace Tally.Cluster;

/// <summary>
/// The stall timeout of one attempt (a map task's or a reducer's): its <see cref="Token"/> is
/// cancelled once <c>timeout</c> passes without a report that shows the work advancing.
/// </summary>
/// <remarks>
/// It runs from the last report that showed progress, not from the last report: a node whose read
/// hangs (a stuck shared volume) is alive, answers probes and keeps reporting, the same figures
/// every time. Only the coordinator's dispatch of one attempt touches it, so it needs no lock.
/// </remarks>
internal sealed class StallTimer(TimeSpan timeout) : IDisposable
{
    private readonly CancellationTokenSource _source = new(timeout);
    private long _work = -1;

    public CancellationToken Token => _source.Token;

    /// <summary>Whether the timeout passed.</summary>
    public bool IsStalled => _source.IsCancellationRequested;

    /// <summary>Takes a report: a progress report holds the timeout off only if its <paramref name="work"/> grew; any other report always does.</summary>
    public void Report(bool isProgress, long work)
    {
        if (!isProgress || work > _work)
        {
            _work = Math.Max(_work, work);
            _source.CancelAfter(timeout);
        }
    }

    public void Dispose() => _source.Dispose();
}
