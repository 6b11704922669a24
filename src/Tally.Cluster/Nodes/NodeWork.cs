using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Tally.Cluster.Wire;
using Tally.Execution;
using Tally.Parsing;
using Tally.Serialization;
using Tally.Sources;

namespace Tally.Cluster.Nodes;

/// <summary>What a map task does off the grain's scheduler: count the source, encode its table.</summary>
internal static class NodeWork
{
    /// <summary>Bytes of encoded table per chunk: far below Orleans' message limit, large enough to move fast.</summary>
    private const int ChunkSize = 1 << 20;

    public static async Task<(SourceCount Count, RejectSink? Rejects)> CountAsync(NodeSettings node, TaskOrder order, LatestFigures latest, CancellationToken cancellationToken)
    {
        try
        {
            if (!node.Registry.TryCreate(order.MapStep, order.MapArguments, out var step))
            {
                throw new InvalidOperationException($"node {node.Name} has no map step \"{order.MapStep}\"");
            }

            var settings = new TaskSettings(step, order.BlockSize, order.MaxLineLength,
                order.SkipMalformedRows ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail,
                order.SkipBrokenSources ? BrokenSourcePolicy.Skip : BrokenSourcePolicy.Fail)
            {
                // A slot counts one source on one task, so a node with fewer sources left than
                // slots (three sources on two slots, every job's last source) left cores idle:
                // reading ahead inflates the next block while this one is parsed. Two blocks
                // ahead keep the reader busy through a slow block, for two blocks more memory per slot.
                ReadAhead = 2,
            };
            var source = InputResolver.Default.OpenAddress(order.Address, order.Name);

            // Every skipped row is kept here and sent after the count: the coordinator writes the
            // rejects file, and a row of a failed attempt must never reach it.
            var rejects = order.SkipMalformedRows ? new RejectSink() : null;
            var count = await SourceCounter.CountAsync(source, settings, rejects, latest.Set, cancellationToken).ConfigureAwait(false);
            return (count, rejects);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An unknown map step, an address that cannot be opened, a map step's own failure:
            // deterministic, so reported as the source's error rather than retried elsewhere.
            return (new SourceCount(new Aggregation.CountTable(), default, e, IsBroken: e is TallyInputException), null);
        }
    }

    /// <summary>The table in <see cref="CountTableCodec"/>, in chunks, with at most a few chunks encoded ahead of the stream.</summary>
    public static async IAsyncEnumerable<byte[]> EncodeAsync(SourceCount count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * ChunkSize, resumeWriterThreshold: 2 * ChunkSize, useSynchronizationContext: false));
        var writing = Task.Run(() =>
        {
            try
            {
                using var stream = pipe.Writer.AsStream();
                CountTableCodec.Write(count.Table, stream);
            }
            catch (Exception e)
            {
                pipe.Writer.Complete(e);
                return;
            }

            pipe.Writer.Complete();
        }, CancellationToken.None);

        try
        {
            while (true)
            {
                var read = await pipe.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = read.Buffer;
                while (buffer.Length >= ChunkSize || (read.IsCompleted && buffer.Length > 0))
                {
                    var piece = buffer.Slice(0, Math.Min(ChunkSize, buffer.Length));
                    yield return System.Buffers.BuffersExtensions.ToArray(piece);
                    buffer = buffer.Slice(piece.End);
                }

                pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await writing.ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="work"/>, which never waits (a sort, a merge and their writes), on a thread of its own rather than the pool's.</summary>
    /// <remarks>
    /// A node of one core has one pool thread, and the node's Orleans runtime answers other silos
    /// on it. Work of a fraction of a second to minutes that never yields would hold it: seen with a
    /// reducer's merge on the pool, the other node's reducer waited 0.12-0.27 s to register its
    /// activation in the directory part this node keeps, until the merge ended.
    /// </remarks>
    public static Task<T> OnThreadOfItsOwn<T>(Func<Task<T>> work)
        => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>Writes the run; a write that fails (no room, no permission) is the job's input error, the same on any node, so it is reported rather than retried.</summary>
    public static async Task<(Reduce.RunSummary? Summary, Exception? Error)> WriteRunAsync(Aggregation.CountTable table, string path, int sampleSize, Action<long> written, CancellationToken cancellationToken)
    {
        try
        {
            return (await Reduce.RunFile.WriteAsync(table, path, sampleSize, cancellationToken, written: written).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, e);
        }
    }

    /// <summary>The figures of the last block, written by the counting thread and read by the stream.</summary>
    public sealed class LatestFigures
    {
        private Figures _value;
        private readonly Lock _lock = new();

        public Figures Value
        {
            get
            {
                lock (_lock)
                {
                    return _value;
                }
            }
        }

        public void Set(SourceFigures figures)
        {
            lock (_lock)
            {
                _value = Figures.Of(figures);
            }
        }
    }
}
