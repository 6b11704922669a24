using Tally.Aggregation;
using Tally.Formats.NgramV2;

namespace Tally.Mapping;

/// <summary>
/// The map step of a count job: folds the rows of one block of whole lines into a partial
/// <see cref="CountTable"/> (key bytes to a checked 64-bit sum). <see cref="NgramV2MapStep"/> is the
/// built-in one; derive from this class to count another line format.
/// </summary>
/// <remarks>
/// <para>
/// The engine calls <see cref="Map"/> once per block (about <see cref="TallyDefaults.BlockSize"/>
/// bytes of whole lines), never once per row, so a step keeps its per-row loop free of virtual calls.
/// The reduce step is fixed: partial tables are merged by adding totals, which is why a step's
/// output is always a <see cref="CountTable"/> and can be serialised with <see cref="Serialization.CountTableCodec"/>
/// and sent back from a worker process.
/// </para>
/// <para>
/// One instance serves every worker at once, each with its own table: a step must be stateless or
/// thread-safe. It must not keep <c>block</c> past the call (the buffer is reused).
/// </para>
/// <para>
/// Worker processes never receive code, only the step's <see cref="Name"/>: a worker finds the step
/// in its <see cref="MapStepRegistry"/>. Register the same step under the same name in the worker
/// (see <see cref="Workers.WorkerHost"/>) to run it in worker processes (<see cref="Executors.Processes.ProcessExecutor"/>).
/// </para>
/// </remarks>
public abstract class MapStep
{
    /// <summary>Creates a step with the name workers know it by.</summary>
    /// <param name="name">1 to 64 characters of lower-case ASCII letters, digits, <c>-</c>, <c>_</c> or <c>.</c>.</param>
    /// <exception cref="ArgumentException">The name is empty, too long, or has other characters.</exception>
    protected MapStep(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"\"{name}\" is not a valid map step name: use 1 to 64 of a-z, 0-9, '-', '_' and '.'.", nameof(name));
        }

        Name = name;
    }

    /// <summary>The name a worker process looks this step up by, such as <c>ngram-v2</c>.</summary>
    public string Name { get; }

    /// <summary>The step's arguments in one canonical string (empty when it has none), such as a year range or key columns.</summary>
    /// <remarks>
    /// Two steps of the same <see cref="Name"/> and arguments must give the same table for the same
    /// input: the pair is part of a checkpoint's identity (a table made under other arguments is
    /// recomputed, never trusted), and it is all a worker process receives to rebuild the step
    /// (<see cref="MapStepRegistry.TryCreate"/>). Equal arguments must be equal strings.
    /// </remarks>
    public virtual string Arguments => "";

    /// <summary>Whether every line of a block is exactly one row, so that <see cref="Map"/> returns the block's line count when it throws on no row.</summary>
    /// <remarks>
    /// When true, and malformed rows fail the job, the engine skips counting every block's newlines
    /// (4-7% of a count's CPU) and finds an error's line in the file from the rows of the blocks
    /// before it. Leave it false unless <see cref="Map"/> returns one row per line, blank lines included.
    /// </remarks>
    public virtual bool RowsAreLines => false;

    /// <summary>The key a typed word is looked up by in this step's tables, such as its lower-case form when the step folds case.</summary>
    /// <param name="key">A key as a user gives it (<c>--word</c>).</param>
    /// <returns>The key as this step stores it; the key itself by default.</returns>
    public virtual string KeyOf(string key) => key;

    /// <summary>The step that counts the source whose data starts with <paramref name="firstLines"/>: this step by default.</summary>
    /// <remarks>
    /// <para>
    /// Called once per source by every executor, with the source's first block (whole lines, the
    /// first being line 1), before any block of it is mapped; all its blocks then go to the step
    /// returned. A step that picks a format from the data (<c>auto</c>) returns another step here;
    /// it must have the same <see cref="RowsAreLines"/>, and its <see cref="Identity"/> is what
    /// the source's completion reports as its format. An empty source never calls it.
    /// </para>
    /// <para>A worker process receives the job's step and calls this itself, so it sees the same data.</para>
    /// </remarks>
    /// <param name="firstLines">The source's first block.</param>
    /// <param name="sourceName">The source's display name, for the error.</param>
    /// <exception cref="TallyDataException">The data fits no step this one can choose (<c>name:1: reason</c>).</exception>
    public virtual MapStep ForSource(ReadOnlySpan<byte> firstLines, string sourceName) => this;

    /// <summary>The step's name and arguments as a checkpoint records them, such as <c>ngram-v2</c> or <c>tsv(key=1;value=2)</c>.</summary>
    public string Identity => Arguments.Length == 0 ? Name : $"{Name}({Arguments})";

    /// <summary>Folds every row of <paramref name="block"/> into <paramref name="table"/>.</summary>
    /// <param name="block">Whole lines, each ending in <c>\n</c>, except that the last line of a source may lack it.</param>
    /// <param name="table">The partial table of this worker for this source; only this call writes it now.</param>
    /// <param name="context">The source's name and the block's first line number, for error messages and skipped rows.</param>
    /// <returns>Rows counted; the job reports their sum.</returns>
    /// <exception cref="TallyDataException">A malformed row (see <see cref="MapContext.Malformed"/>) or an overflowing total.</exception>
    public abstract long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context);

    /// <inheritdoc/>
    public override string ToString() => Identity;

    internal static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 64)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
