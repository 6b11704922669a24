using Tally.Engine;
using Tally.Formats.NgramV2;
using Tally.Mapping;
using Tally.Workers;

namespace Tally;

/// <summary>What runs the job's map step, and where.</summary>
public sealed partial record CountOptions
{
    /// <summary>The map step: how a block of lines becomes partial totals; <see cref="NgramV2MapStep"/> by default.</summary>
    /// <remarks>With <see cref="ExecutorKind.Processes"/> the workers must know a step of the same <see cref="MapStep.Name"/>.</remarks>
    public MapStep MapStep { get; init; } = NgramV2MapStep.Instance;

    /// <summary>Threads in this process (the default) or worker processes.</summary>
    public ExecutorKind Executor { get; init; } = ExecutorKind.Threads;

    /// <summary>How to start a worker process; required with <see cref="ExecutorKind.Processes"/>.</summary>
    /// <remarks>
    /// <c>tally worker</c> for the built-in steps, or a program of yours that calls
    /// <see cref="WorkerHost.RunAsync"/> with your steps registered.
    /// <see cref="WorkerCommand.ForCurrentProcess"/> builds it for the running program.
    /// </remarks>
    public WorkerCommand? WorkerCommand { get; init; }

    /// <summary>Test hook: told when a worker process starts, is given a task, or is stopped.</summary>
    internal Action<WorkerEvent>? WorkerEvents { get; init; }

    /// <summary>Test hook: bytes of finished tables the result may hold unfolded (<see cref="TallyDefaults.UnfoldedTableBytes"/>); 0 folds every table on arrival.</summary>
    internal long UnfoldedTableBytes { get; init; } = TallyDefaults.UnfoldedTableBytes;

    private void ValidateExecution()
    {
        if (MapStep is null)
        {
            throw new ArgumentNullException(nameof(MapStep), "A map step is needed.");
        }

        if (!Enum.IsDefined(Executor))
        {
            throw new ArgumentOutOfRangeException(nameof(Executor), Executor, "Unknown executor.");
        }

        if (Executor == ExecutorKind.Processes && WorkerCommand is null)
        {
            throw new ArgumentException("The processes executor needs a WorkerCommand to start workers with.", nameof(WorkerCommand));
        }
    }
}
