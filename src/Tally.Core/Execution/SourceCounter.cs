using System.Buffers;
using Tally.Aggregation;
using Tally.Mapping;
using Tally.Parsing;
using Tally.Sources;

namespace Tally.Execution;

/// <summary>
/// Counts one source on the calling task: open, cut into blocks, map each block, return the
/// buffers. The one routine behind the serial path, the worker processes and any remote worker,
/// so a source counted anywhere gives the same table, the same skipped rows and the same error.
/// </summary>
public static class SourceCounter
{
    /// <summary>Counts <paramref name="source"/> with <paramref name="settings"/>.</summary>
    /// <param name="source">The source; read once from its start.</param>
    /// <param name="settings">The map step, the limits and the policies.</param>
    /// <param name="rejects">Where skipped rows go with <see cref="MalformedRowPolicy.Skip"/>; null when they fail the source.</param>
    /// <param name="progress">Called after every block with the figures so far; may be null.</param>
    /// <param name="cancellationToken">Stops counting; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The source's table and figures, or its error: see <see cref="SourceCount"/>.</returns>
    /// <remarks>
    /// The error is the first in file order: a malformed row (which stops the read, since anything
    /// the reader could find later is further on) or a read failure (a corrupt or truncated file, a
    /// line over the limit, an unreadable source). With <see cref="BrokenSourcePolicy.Skip"/> a
    /// malformed row does not stop the read: whether the source is broken decides whether it is
    /// left out, and only a read to its end can tell.
    /// </remarks>
    public static async Task<SourceCount> CountAsync(DataSource source, TaskSettings settings, RejectSink? rejects,
        Action<SourceFigures>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(settings);
        var table = CountTable.ForSource(source.Length);
        MapStep? step = null;
        bool readsToEnd = settings.BrokenSources == BrokenSourcePolicy.Skip;
        long rows = 0;
        long bytes = 0;
        long storedBytes = 0;
        bool compressed = false;
        TallyDataException? rowError = null;
        try
        {
            using var reader = await BlockReader.OpenAsync(source, settings.BlockSize, settings.MaxLineLength, cancellationToken).ConfigureAwait(false);
            compressed = reader.IsCompressed;

            // Disposed before the reader (declared after it): its task reads from the reader.
            await using var ahead = settings.ReadAhead > 0 ? new BlockReadAhead(reader, settings.ReadAhead, cancellationToken) : null;
            while (await NextAsync(reader, ahead, cancellationToken).ConfigureAwait(false) is { } block)
            {
                try
                {
                    if (rowError is null)
                    {
                        // The first block decides the step (a format chosen from the data).
                        step ??= settings.MapStep.ForSource(block.Span, source.Name);
                        rows += MapBlock(step, source.Name, block, table, rejects);
                        bytes += block.Length;
                    }
                }
                catch (TallyDataException e)
                {
                    rowError = e;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(block.Buffer);
                }

                storedBytes = reader.StoredBytesRead;
                progress?.Invoke(new SourceFigures(storedBytes, bytes, rows, compressed));
                if (rowError is not null && !readsToEnd)
                {
                    break;
                }
            }

            storedBytes = reader.StoredBytesRead;
        }
        catch (Exception e) when (e is TallyDataException or TallyInputException)
        {
            // The read failed: the source cannot be read to its end. A malformed row found before
            // is earlier in the file, and wins unless broken sources are left out. Also when the
            // count was cancelled just then: the caller drops the outcome of a task it no longer
            // needs, and an error here must never pass for a failure of the executor.
            var error = readsToEnd ? e : rowError ?? e;
            return new SourceCount(table, new SourceFigures(storedBytes, bytes, rows, compressed), error, IsBroken: ReferenceEquals(error, e)) { Format = step?.Identity };
        }

        return new SourceCount(table, new SourceFigures(storedBytes, bytes, rows, compressed), rowError, IsBroken: false) { Format = step?.Identity };
    }

    private static ValueTask<BlockData?> NextAsync(BlockReader reader, BlockReadAhead? ahead, CancellationToken cancellationToken)
    {
        if (ahead is not null)
        {
            return ahead.ReadAsync(cancellationToken);
        }

        return reader.ReadAsync(cancellationToken);
    }

    /// <summary>Maps one block into <paramref name="table"/>: the per-block call every executor makes.</summary>
    /// <returns>The rows counted.</returns>
    /// <exception cref="TallyDataException">A malformed row (unless skipped into <paramref name="rejects"/>) or a total past 2^63-1.</exception>
    internal static long MapBlock(MapStep step, string sourceName, in BlockData block, CountTable table, RejectSink? rejects)
    {
        rejects?.StartBlock();
        return step.Map(block.Span, table, new MapContext(sourceName, block.FirstLine, rejects));
    }
}
