using System.Runtime.CompilerServices;
using Tally.Engine;
using Tally.Sources;

namespace Tally.Series;

/// <summary>
/// A running series: a count job whose map step keeps only the queried ngrams, per year
/// (<see cref="SeriesMapStep"/>), and whose result is turned into per-year arrays.
/// </summary>
/// <remarks>
/// Everything a count does, a series does the same way, because it is one: sources in
/// completion order, progress, cancellation, checkpoints, every executor. Only the query's keys
/// and their years travel from the map to the reduce, so the reduce is tiny whatever the data.
/// </remarks>
public sealed class SeriesJob
{
    private SeriesJob(CountJob count, SeriesQuery query)
    {
        Count = count;
        Result = CompleteAsync(count, query);
    }

    /// <summary>The count job underneath: its <see cref="CountJob.Completions"/> and <see cref="CountJob.Snapshot"/> are the series' progress.</summary>
    public CountJob Count { get; }

    /// <summary>Each source as it finishes, in completion order (see <see cref="CountJob.Completions"/>).</summary>
    public IAsyncEnumerable<SourceCompletion> Completions => Count.Completions;

    /// <summary>The series; faults as <see cref="CountJob.Result"/> does, or with <see cref="TallyDataException"/> when a counted year has no total.</summary>
    public Task<SeriesResult> Result { get; }

    /// <summary>Lets <c>await job</c> give the result.</summary>
    public TaskAwaiter<SeriesResult> GetAwaiter() => Result.GetAwaiter();

    /// <summary>A snapshot of the job's progress now.</summary>
    public CountProgress Snapshot() => Count.Snapshot();

    /// <summary>Starts a series over <paramref name="sources"/>.</summary>
    /// <param name="sources">The inputs: Ngram v2 or v3 files or streams.</param>
    /// <param name="query">The ngrams, format, filters, totals and smoothing.</param>
    /// <param name="options">Workers, executor, checkpoints and limits as for a count; its <see cref="CountOptions.MapStep"/> is replaced by the query's.</param>
    /// <param name="progress">Receives snapshots as a count's does.</param>
    /// <param name="cancellationToken">Cancels the job.</param>
    /// <exception cref="CountOptionsException">The query is not valid (<see cref="SeriesQuery.Validate"/>).</exception>
    public static SeriesJob Start(IReadOnlyList<DataSource> sources, SeriesQuery query, CountOptions? options = null,
        IProgress<CountProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(query);
        var step = query.CreateStep();
        var count = CountJob.Start(sources, (options ?? new CountOptions()) with { MapStep = step }, progress, cancellationToken);
        return new SeriesJob(count, query);
    }

    private static async Task<SeriesResult> CompleteAsync(CountJob count, SeriesQuery query)
        => SeriesResult.Create(await count.Result.ConfigureAwait(false), query);
}
