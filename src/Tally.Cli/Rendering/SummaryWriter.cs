using Tally.Output;

namespace Tally.Cli.Rendering;

/// <summary>The closing summary on an interactive stderr: totals, then every input's time in completion order.</summary>
internal static class SummaryWriter
{
    public static async Task WriteAsync(TextWriter error, CountResult result)
    {
        double rate = result.Elapsed > TimeSpan.Zero ? result.Rows / result.Elapsed.TotalSeconds : 0;
        await error.WriteLineAsync(
            $"Counted {Units.Count(result.Rows)} rows, {Units.Count(result.Count)} ngrams from {result.Sources.Count} inputs in {Units.Seconds(result.Elapsed)} ({Units.Rate(rate)} rows/s).")
            .ConfigureAwait(false);
        await error.WriteLineAsync("Inputs in completion order:").ConfigureAwait(false);
        int width = result.Sources.Count == 0 ? 0 : result.Sources.Max(s => TallyApp.Printable(s.Name).Length);
        int rank = 1;
        foreach (var source in result.Sources)
        {
            await error.WriteLineAsync(
                source.IsLeftOut
                    ? $"  {rank++,3}. {TallyApp.Printable(source.Name).PadRight(width)}  left out at {Units.Seconds(source.Completed)}"
                    : $"  {rank++,3}. {TallyApp.Printable(source.Name).PadRight(width)}  {Units.Seconds(source.Duration),9}  {Units.Count(source.Rows),14} rows  {PlainProgress.Format(source)}done at {Units.Seconds(source.Completed)}{PlainProgress.Note(source)}")
                .ConfigureAwait(false);
        }
    }
}
