using Tally.Engine;

namespace Tally.Cli.Rendering;

/// <summary>For <c>--verbose</c> without a terminal: one plain line per finished input, in completion order.</summary>
internal static class PlainProgress
{
    public static async Task RunAsync(TextWriter error, CountJob job)
    {
        await foreach (var done in job.Completions.ConfigureAwait(false))
        {
            await error.WriteLineAsync(Describe(done)).ConfigureAwait(false);
        }
    }

    public static string Describe(SourceCompletion done)
        => $"tally: done {done.Name}: {Units.Count(done.Rows)} rows, {Units.Bytes(done.Bytes)} in {Units.Seconds(done.Duration)}"
            + (done.Retries > 0 ? $" (counted again after {done.Retries} failed worker process{(done.Retries > 1 ? "es" : "")})" : "");
}
