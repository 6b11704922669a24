using Tally.Output;

namespace Tally.Cluster;

/// <summary>
/// The reduce spread over the nodes (<c>tally count --cluster ... --reduce-on-nodes P -o DIR/</c>):
/// no process holds the whole table. Set as <see cref="ClusterExecutorOptions.Reduce"/>.
/// </summary>
/// <remarks>
/// <para>
/// Each map task writes its source's table, sorted, to
/// <c>DIRECTORY/.tally-map/JOB/TASK-ATTEMPT.run</c> and sends the coordinator only its figures
/// and a sample of its keys. Once every source is counted, the coordinator picks
/// <see cref="Parts"/> - 1 splitters from the samples (even ranges, as TeraSort does) and places
/// one reducer per range on the nodes; reducer <c>K</c> merges range <c>K</c> of every accepted
/// run and writes <c>DIRECTORY/part-0000K</c> (through a temporary file and a rename). In a text
/// <see cref="Format"/> the parts concatenated in order are, byte for byte, what a local count
/// writes to one file; in another they are whole files whose rows, read in part order, are that
/// file's rows. A reducer whose node dies is run again on another node from the runs,
/// which is why <see cref="Directory"/> must be storage every node reads and writes at the same
/// path (a shared volume), under each node's <c>--allow</c> folders.
/// </para>
/// <para>
/// Memory: the coordinator holds the samples (a million keys at most by default, see
/// <see cref="SampleSizeFor"/>) and no table; a map task holds its source's table and one sorted copy of its keys; a reducer
/// holds a 32 KiB buffer and the sparse index (a key per 64 KiB of run) per run, whatever its
/// range's size, plus, for a format other than text, its range's table. The job's <see cref="CountResult"/> has the rows, bytes and sources, but no
/// totals (its <see cref="CountResult.Count"/> is 0): the totals are in the parts, and
/// <see cref="ClusterExecutor.Reduced"/> describes them. A checkpoint folder cannot be used (the
/// tables are not on the coordinator to save).
/// </para>
/// </remarks>
public sealed record ClusterReduce
{
    /// <summary>Ranges, reducers and part files: at least 1.</summary>
    public required int Parts { get; init; }

    /// <summary>The folder the parts are written to, on storage every node can write; created when missing.</summary>
    public required string Directory { get; init; }

    /// <summary>The parts' format, known by name to every node (<see cref="NodeOptions.OutputFormats"/>). Default tsv.</summary>
    /// <remarks>
    /// A text format (tsv, csv, jsonl: a <see cref="RowOutputFormat"/>) is written as the ranges
    /// merge; only part 0 carries its header and only the last its footer, so the parts concatenate
    /// to one file. Any other (Parquet, SQLite) writes each part as a whole file of its range's
    /// totals, in key order, from a table of that range: the reducer then holds its range's keys.
    /// </remarks>
    public OutputFormat Format { get; init; } = OutputFormatRegistry.Tsv;

    /// <summary>Keys each map task samples for the splitters (default: see <see cref="SampleSizeFor"/>).</summary>
    public int? SampleSize { get; init; }

    /// <summary>The most sampled keys the coordinator holds in all, by default: TeraSort takes 100,000; ten times that leaves even 1,000 ranges even.</summary>
    public const int MaxSampledKeys = 1_000_000;

    /// <summary>
    /// The sample size of each of <paramref name="sources"/> map tasks: <see cref="SampleSize"/>, or
    /// 64 per part between 1,024 and 16,384, cut so the coordinator holds at most
    /// <see cref="MaxSampledKeys"/> keys in all (but never fewer than 16 a source).
    /// </summary>
    /// <remarks>
    /// A splitter falls between two of a run's sampled keys, so each run can put up to a sample's
    /// spacing on the wrong side of it. With 128 keys a task (the old floor for two parts), the six
    /// large files' two parts held 3,542,121 and 3,593,306 keys; a floor of 1,024 cuts that spacing
    /// eightfold, for about 16 kB more in each task's last report.
    /// </remarks>
    public int SampleSizeFor(int sources) => SampleSize ?? Math.Max(16, Math.Min(Math.Clamp(64 * Parts, 1024, 16_384), MaxSampledKeys / Math.Max(1, sources)));

    /// <summary>The name of part <paramref name="part"/>: <c>part-00000</c>, <c>part-00001</c>...</summary>
    public static string PartName(int part) => $"part-{part:D5}";

    /// <summary>Checks the settings; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (Parts < 1)
        {
            throw new ArgumentException($"the reduce needs at least 1 part, not {Parts}", nameof(Parts));
        }

        if (string.IsNullOrEmpty(Directory))
        {
            throw new ArgumentException("the reduce needs a folder to write its parts to", nameof(Directory));
        }

        if (SampleSize is < 1)
        {
            throw new ArgumentException($"the sample size must be at least 1, not {SampleSize}", nameof(SampleSize));
        }

        ArgumentNullException.ThrowIfNull(Format, nameof(Format));
    }
}

/// <summary>The parts a reduce on the nodes wrote, in order.</summary>
/// <param name="Directory">Where they are.</param>
/// <param name="Parts">Each part's path, rows (distinct keys) and bytes.</param>
public sealed record ReducedOutput(string Directory, IReadOnlyList<ReducedPart> Parts)
{
    /// <summary>Distinct keys over every part.</summary>
    public long Keys => Parts.Sum(p => p.Rows);

    /// <summary>Bytes over every part.</summary>
    public long Bytes => Parts.Sum(p => p.Bytes);
}

/// <summary>How far the reduce on the nodes is: what <see cref="ClusterExecutor.ReduceProgress"/> says.</summary>
/// <param name="Parts">Parts to write.</param>
/// <param name="Running">Reducers running now.</param>
/// <param name="Written">Parts in place.</param>
public sealed record ReduceStatus(int Parts, int Running, int Written);

/// <summary>One part file of a reduce on the nodes.</summary>
/// <param name="Path">The file.</param>
/// <param name="Rows">Its rows: distinct keys of its range.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Node">The node that wrote it.</param>
public sealed record ReducedPart(string Path, long Rows, long Bytes, string Node);
