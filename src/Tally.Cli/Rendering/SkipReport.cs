using Tally.Engine;
using Tally.Output;

namespace Tally.Cli.Rendering;

/// <summary>After a count that skipped anything: per input, how many malformed rows and the first few; and every input left out.</summary>
/// <remarks>In the order the inputs were given, so the report is the same on every run.</remarks>
internal static class SkipReport
{
    public static async Task WriteAsync(TextWriter error, CountResult result, string? rejectsPath)
    {
        // Most counts have nothing to report: then not even the sort, whose generic code over
        // these types is JIT-compiled, on the way from the last row to the results.
        if (!result.Sources.Any(s => s.Error is not null || s.SkippedRows > 0))
        {
            return;
        }

        foreach (var source in result.Sources.OrderBy(s => s.Index))
        {
            if (source.Error is { } failure)
            {
                await error.WriteLineAsync(TallyApp.Printable($"tally: left out {failure.Message}")).ConfigureAwait(false);
                continue;
            }

            if (source.SkippedRows == 0)
            {
                continue;
            }

            string first = source.SkippedRows > source.SkippedExamples.Count ? $", the first {source.SkippedExamples.Count}" : "";
            string rows = source.SkippedRows == 1 ? "row" : "rows";
            await error.WriteLineAsync(TallyApp.Printable($"tally: skipped {Units.Count(source.SkippedRows)} malformed {rows} in {source.Name}{first}:")).ConfigureAwait(false);
            foreach (var row in source.SkippedExamples)
            {
                await error.WriteLineAsync(TallyApp.Printable($"  {source.Name}:{row.Line}: {row.Reason}")).ConfigureAwait(false);
            }
        }

        if (rejectsPath is not null && result.SkippedRows > 0)
        {
            await error.WriteLineAsync(TallyApp.Printable($"tally: every skipped row is in {rejectsPath}")).ConfigureAwait(false);
        }
    }
}
