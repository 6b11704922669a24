using System.Runtime.CompilerServices;
using Tally.Cluster.Wire;
using Tally.Execution;

namespace Tally.Cluster.Nodes;

/// <summary>Counts one source on this node with <see cref="SourceCounter"/>, the routine every executor shares.</summary>
/// <remarks>
/// Not deactivated from inside the stream (that aborts the caller's enumeration); an attempt's
/// activation is collected two minutes after its last call instead (the shortest Orleans allows).
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
[GrainType(TypeName)]
internal sealed class MapTaskGrain(NodeSettings node) : Grain, IMapTaskGrain
{
    /// <summary>The grain type's name, which the coordinator looks for in a node's manifest.</summary>
    public const string TypeName = "tally-map-task";

    /// <summary>How often a running task reports its figures; also keeps the stream's calls short.</summary>
    internal static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(250);

    public async IAsyncEnumerable<TaskReport> CountAsync(TaskOrder order, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (node.Refusal(order.Address) is { } refusal)
        {
            yield return new TaskReport(ReportKind.Failed, default, null, 0, refusal, order.Name, FailureKind.Input, IsBroken: true);
            yield break;
        }

        // The count runs on the thread pool, not on the grain's scheduler: the stream below keeps
        // answering (progress) while a block is parsed. Disposing the enumerator (the coordinator
        // gave up on this attempt, or the job stopped) cancels it.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var latest = new NodeWork.LatestFigures();
        var counting = Task.Run(() => NodeWork.CountAsync(node, order, latest, stop.Token), CancellationToken.None);
        try
        {
            while (!counting.IsCompleted)
            {
                await Task.WhenAny(counting, Task.Delay(s_progressInterval, CancellationToken.None)).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                var now = latest.Value;
                yield return TaskReport.Progress(now, now.Bytes);
            }

            var (count, rejects) = await counting.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            var figures = Figures.Of(count.Figures);
            if (count.Error is { } error)
            {
                yield return TaskReport.Failed(figures, order.Name, error, count.IsBroken);
                yield break;
            }

            foreach (var row in rejects?.Rows ?? [])
            {
                yield return new TaskReport(ReportKind.Rejected, figures, row.Text, row.Line, row.Reason);
            }

            if (order.RunPath is { } runPath)
            {
                // --reduce-on-nodes: the table goes to shared storage, sorted, and only a sample
                // of its keys goes back; reports keep coming while it is written, with the bytes
                // written, so the coordinator's stall timeout does not fire on a large table.
                if (node.Refusal(runPath) is { } runRefusal)
                {
                    yield return new TaskReport(ReportKind.Failed, figures, null, 0, runRefusal, order.Name, FailureKind.Input);
                    yield break;
                }

                // The sort and the writes never wait: off the pool, as a reducer's merge is.
                long written = 0;
                var writing = NodeWork.OnThreadOfItsOwn(() => NodeWork.WriteRunAsync(count.Table, runPath, order.SampleSize, bytes => Interlocked.Exchange(ref written, bytes), stop.Token));
                while (!writing.IsCompleted)
                {
                    await Task.WhenAny(writing, Task.Delay(s_progressInterval, CancellationToken.None)).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                    yield return TaskReport.Progress(figures, figures.Bytes + Interlocked.Read(ref written));
                }

                var (summary, writeError) = await writing.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                yield return summary is null
                    ? new TaskReport(ReportKind.Failed, figures, null, 0, $"node {node.Name} cannot write its table to {runPath}: {writeError!.Message}", order.Name, FailureKind.Input)
                    : new TaskReport(ReportKind.Run, figures, summary.Encode(), Format: count.Format);
                yield break;
            }

            await foreach (var chunk in NodeWork.EncodeAsync(count, stop.Token).ConfigureAwait(true))
            {
                yield return new TaskReport(ReportKind.Chunk, figures, chunk);
            }

            yield return new TaskReport(ReportKind.Done, figures, Format: count.Format);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }
}
