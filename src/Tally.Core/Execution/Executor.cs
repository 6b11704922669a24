namespace Tally.Execution;

/// <summary>
/// Where a job's map step runs: on threads of this process, in worker processes, on a cluster. An
/// executor takes the job's tasks (one per source) and hands back one outcome per task; the job
/// alone owns every source's state, merges the tables (the reduce), checkpoints and reports.
/// </summary>
/// <remarks>
/// <para>The contract, which the executor contract tests check for every executor:</para>
/// <list type="bullet">
/// <item>Run every task of <see cref="ExecutorRun.Tasks"/> and call <see cref="SourceTask.Complete"/>
/// once with its outcome: its tables, or its error. A malformed row, a corrupt or unreadable source
/// is an outcome (<see cref="SourceOutcome.Failed"/>), not an exception: the job decides what it
/// means (the earliest error of the first source given wins; a broken source may be left out).</item>
/// <item>A task whose <see cref="SourceTask.Token"/> is cancelled is no longer needed (the job is
/// stopping, or an earlier source failed): stop it promptly; it need not complete.</item>
/// <item>Report progress through the task (<see cref="SourceTask.Begin"/>, <see cref="SourceTask.AddCounted"/>,
/// <see cref="SourceTask.SetFigures"/>) so the job's progress and completions are right.</item>
/// <item>Count a source with its <see cref="ExecutorRun.Settings"/> (map step, limits, policies);
/// <see cref="SourceCounter"/> is the shared routine that does it on one thread. Only a source
/// with an <see cref="Sources.DataSource.Address"/> can be opened elsewhere; count others here.</item>
/// <item>Throw only for a failure of the executor itself; when <see cref="RunAsync"/> returns or
/// throws, none of its work is still running.</item>
/// </list>
/// <para>Register an executor by name in an <see cref="ExecutorRegistry"/> for <c>--executor</c>.</para>
/// </remarks>
public abstract class Executor
{
    /// <summary>Creates an executor with the name <c>--executor</c> knows it by.</summary>
    /// <param name="name">1 to 64 characters of lower-case ASCII letters, digits, <c>-</c>, <c>_</c> or <c>.</c>.</param>
    protected Executor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Mapping.MapStep.IsValidName(name))
        {
            throw new ArgumentException($"\"{name}\" is not a valid executor name: use 1 to 64 of a-z, 0-9, '-', '_' and '.'.", nameof(name));
        }

        Name = name;
    }

    /// <summary>The executor's name, such as <c>threads</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// Whether the job folds each finished source's table into its result as the table arrives,
    /// rather than letting tables wait to be folded, or summed by the sorted output, at the end.
    /// </summary>
    /// <remarks>
    /// False (the default) for an executor that maps on this process's own cores: folding then takes
    /// cores from the map, and tables left unfolded cost nothing until the end, where the sorted
    /// output sums them on every core. True for one whose map runs elsewhere, such as a cluster: this
    /// process is then idle while the sources are counted, so a fold costs the job nothing at that
    /// time, while a table left to the end is folded there on one core as the job waits for it.
    /// </remarks>
    public virtual bool FoldsTablesOnArrival => false;

    /// <summary>Runs every task of <paramref name="run"/>; see the class remarks for the contract.</summary>
    /// <param name="run">The tasks, the settings to count them with, and the job's limits.</param>
    /// <param name="cancellationToken">Stops the executor: the job is cancelled or has failed.</param>
    public abstract Task RunAsync(ExecutorRun run, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
