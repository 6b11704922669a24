using Tally.Aggregation;
using Tally.Mapping;
using Tally.Parsing;
using Tally.Sources;

namespace Tally.Engine;

/// <summary>The map step of one block, shared by the in-process executors: run <see cref="CountOptions.MapStep"/> into the worker's table for its source.</summary>
internal static class BlockCounter
{
    /// <summary>Counts <paramref name="block"/> of <paramref name="source"/> as worker <paramref name="worker"/>; the caller returns the buffer.</summary>
    /// <exception cref="TallyDataException">A malformed row (when they fail the job) or a total past 2^63-1, unless broken sources are skipped: see below.</exception>
    public static void Count(JobContext context, SourceState source, int worker, in BlockData block)
    {
        // Its tables will be dropped, or the job will fail with the error it already has.
        if (source.Failure is not null || source.DeferredError is not null)
        {
            // An error in a later block may still need this block's lines.
            source.Lines?.Record(block.Index, block.CountLines());
            return;
        }

        try
        {
            Parse(context, source, worker, block);
        }
        catch (TallyDataException e) when (source.Lines is { } ledger)
        {
            // An error in a later block may need this block's lines, whatever went wrong here. A
            // line here is the block's own: it becomes the file's once every block before is known.
            ledger.Record(block.Index, block.CountLines());
            if (e.Line is null && context.Options.BrokenSources != BrokenSourcePolicy.Skip)
            {
                throw;
            }

            Exception error = e.Line is null ? e : new PendingLineException(e, ledger, block.Index);
            if (context.Options.BrokenSources == BrokenSourcePolicy.Skip)
            {
                // As below: the error waits for the source's reader.
                source.Defer(error);
                return;
            }

            throw error;
        }
        catch (TallyDataException e) when (context.Options.BrokenSources == BrokenSourcePolicy.Skip)
        {
            // From a corrupt gzip file, the rows inflated before zlib sees the damage are garbage:
            // a malformed one must not fail the job for a file that is about to be left out. So
            // the error waits for the source's reader: if it fails, the source is left out; if
            // it reaches the end, the merger throws this error.
            source.Defer(e);
        }
    }

    private static void Parse(JobContext context, SourceState source, int worker, in BlockData block)
    {
        var table = source.WorkerTables[worker] ??= new CountTable();
        RejectSink? rejects = null;
        if (context.Rejects is { } log)
        {
            rejects = source.WorkerRejects[worker] ??= log.CreateSink(worker, source);
            rejects.StartBlock();
        }

        long rows = context.Options.MapStep.Map(block.Span, table, new MapContext(source.Name, block.FirstLine, rejects));

        // Without skipped rows every line was a row (see LineLedger).
        source.Lines?.Record(block.Index, rows);
        source.AddCounted(rows, block.Length);
    }
}
