using Tally.Engine;

namespace Tally.Cli.Rendering;

/// <summary>For <c>--verbose</c> without a terminal: one plain line per finished input, in completion order.</summary>
internal static class PlainProgress
{
    public static async Task RunAsync(TextWriter error, CountJob job)
    {
        await foreach (var done in job.Completions.ConfigureAwait(false))
        {
            await error.WriteLineAsync(TallyApp.Printable(Describe(done))).ConfigureAwait(false);
        }
    }

    public static string Describe(SourceCompletion done)
    {
        if (done.IsLeftOut)
        {
            // The reason follows in the report after the count, with every other input left out.
            return $"tally: done {done.Name}: left out";
        }

        string skipped = done.SkippedRows > 0 ? $", {Units.Count(done.SkippedRows)} malformed skipped" : "";
        return $"tally: done {done.Name}: {Format(done)}{Units.Count(done.Rows)} rows{skipped}, {Sizes(done)} in {Units.Seconds(done.Duration)} ({Units.Rate(RowsPerSecond(done))} rows/s){Note(done)}";
    }

    /// <summary><c>12.3 MB</c>, or <c>3.4 MB gzip, 12.3 MB inflated</c>: both sizes, named, where they differ.</summary>
    public static string Sizes(SourceCompletion done) => done.IsCompressed
        ? $"{Units.Bytes(done.StoredBytes)} gzip, {Units.Bytes(done.Bytes)} inflated"
        : Units.Bytes(done.Bytes);

    /// <summary>The input's final rate: its rows over its own time, frozen once it is done.</summary>
    public static double RowsPerSecond(SourceCompletion done) => done.Duration > TimeSpan.Zero ? done.Rows / done.Duration.TotalSeconds : 0;

    /// <summary>The format the input was read in, such as <c>ngram-v3, </c>; empty when unknown (empty or resumed).</summary>
    public static string Format(SourceCompletion done) => done.Format is { } format ? $"{format}, " : "";

    /// <summary>What became of the input's checkpoint or worker process, when there is something to say.</summary>
    public static string Note(SourceCompletion done) => done switch
    {
        { Resumed: true } => " (resumed from its checkpoint)",
        { CheckpointProblem: { } problem } => $" (its checkpoint {problem}; counted again)",
        { Retries: > 0 and var retries } => $" (counted again after {retries} failed worker process{(retries > 1 ? "es" : "")})",
        _ => "",
    };
}
