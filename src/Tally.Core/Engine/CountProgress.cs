namespace Tally.Engine;

/// <summary>A snapshot of a running job, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Elapsed">Time since the job started.</param>
/// <param name="Sources">Each source, in the job's order.</param>
public sealed record CountProgress(TimeSpan Elapsed, IReadOnlyList<SourceProgress> Sources)
{
    /// <summary>Bytes as stored over all sources, or null when any length is unknown (standard input).</summary>
    public long? TotalLength => Sources.All(s => s.Length.HasValue) ? Sources.Sum(s => s.Length!.Value) : null;

    /// <summary>Bytes read as stored over all sources.</summary>
    public long StoredBytesRead => Sources.Sum(s => s.StoredBytesRead);

    /// <summary>Rows counted over all sources.</summary>
    public long Rows => Sources.Sum(s => s.Rows);

    /// <summary>Rows counted per second since the start.</summary>
    public double RowsPerSecond => Elapsed > TimeSpan.Zero ? Rows / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time left from the byte rate so far, or null when it cannot be told yet.</summary>
    public TimeSpan? Remaining
    {
        get
        {
            long read = StoredBytesRead;
            if (TotalLength is not { } total || read <= 0 || Elapsed <= TimeSpan.Zero)
            {
                return null;
            }

            double seconds = (total - read) * Elapsed.TotalSeconds / read;
            return TimeSpan.FromSeconds(Math.Max(0, seconds));
        }
    }
}
