using System.Runtime.CompilerServices;
using Tally.Cluster.Reduce;
using Tally.Cluster.Wire;
using Tally.Output;

namespace Tally.Cluster.Nodes;

/// <summary>Writes one part of a <c>--reduce-on-nodes</c> output on this node: <see cref="RangeMerge"/> over every map run.</summary>
/// <remarks>Collected two minutes after its last call, as map tasks are.</remarks>
[CollectionAgeLimit(Minutes = 2)]
[GrainType(TypeName)]
internal sealed class ReduceTaskGrain(NodeSettings node) : Grain, IReduceTaskGrain
{
    public const string TypeName = "tally-reduce-task";

    public async IAsyncEnumerable<ReduceReport> ReduceAsync(ReduceOrder order, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The part and every run must lie under the node's --allow roots: a node reads and
        // writes only where its owner said it may.
        string? refusal = node.Refusal(order.Path) ?? order.Runs.Select(node.Refusal).FirstOrDefault(r => r is not null);
        if (refusal is not null)
        {
            yield return new ReduceReport(ReduceReportKind.Failed, 0, 0, refusal);
            yield break;
        }

        if (!node.OutputFormats.TryGet(order.Format, out var format))
        {
            yield return new ReduceReport(ReduceReportKind.Failed, 0, 0, $"node {node.Name} has no output format \"{order.Format}\" (it knows {string.Join(", ", node.OutputFormats.Names)})");
            yield break;
        }

        // The merge runs off the grain's scheduler, so the stream keeps reporting; disposing the
        // enumerator (the coordinator gave up on this attempt) cancels it. It never waits, so it
        // runs off the pool too (NodeWork.OnThreadOfItsOwn says why).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long written = 0;
        void Progress(long rows) => Interlocked.Exchange(ref written, rows);

        // A text format's parts concatenate to the one file of a local count, so they are written
        // as they merge; any other format's part is a whole file of its own, written from a table.
        var merging = NodeWork.OnThreadOfItsOwn(() => format is RowOutputFormat text
            ? RangeMerge.WriteAsync(order.Runs, order.Lower, order.Upper, text.Rows, header: order.Part == 0, footer: order.Part == order.Parts - 1, order.Path, Progress, stop.Token)
            : RangeMerge.WriteTableAsync(order.Runs, order.Lower, order.Upper, format, order.Path, Progress, stop.Token));
        try
        {
            while (!merging.IsCompleted)
            {
                await Task.WhenAny(merging, Task.Delay(MapTaskGrain.s_progressInterval, CancellationToken.None)).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                yield return new ReduceReport(ReduceReportKind.Progress, Interlocked.Read(ref written));
            }

            ReduceReport last;
            try
            {
                var (partRows, bytes) = await merging.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                last = new ReduceReport(ReduceReportKind.Done, partRows, bytes);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A run that cannot be read, a part that cannot be written, a total past a long:
                // the same on any node, so reported as the job's error rather than retried.
                last = new ReduceReport(ReduceReportKind.Failed, 0, 0, $"node {node.Name}: part {order.Part}: {e.Message}", IsDataError: e is TallyDataException);
            }

            yield return last;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }
}
