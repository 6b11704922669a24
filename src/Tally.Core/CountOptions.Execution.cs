using Tally.Execution;
using Tally.Formats.NgramV2;
using Tally.Mapping;

namespace Tally;

/// <summary>What runs the job's map step, and where.</summary>
public sealed partial record CountOptions
{
    /// <summary>The map step: how a block of lines becomes partial totals; <see cref="NgramV2MapStep"/> by default.</summary>
    /// <remarks>With worker processes the workers must know a step of the same <see cref="MapStep.Name"/> (see <see cref="MapStepRegistry"/>).</remarks>
    public MapStep MapStep { get; init; } = NgramV2MapStep.Instance;

    /// <summary>Where the map step runs; null for the default, threads in this process.</summary>
    /// <remarks>
    /// <see cref="ExecutorRegistry.WithBuiltIns"/> names the built-in ones: <c>threads</c>, and
    /// <c>processes</c> (<see cref="Executors.Processes.ProcessExecutor"/>, which needs a
    /// <see cref="Workers.WorkerCommand"/>). An executor of your own derives from <see cref="Executor"/>.
    /// </remarks>
    public Executor? Executor { get; init; }

    /// <summary>Test hook: bytes of finished tables the result may hold unfolded (<see cref="TallyDefaults.UnfoldedTableBytes"/>); 0 folds whenever the waiting tables outgrow the folded one.</summary>
    internal long UnfoldedTableBytes { get; init; } = TallyDefaults.UnfoldedTableBytes;

    private void ValidateExecution()
    {
        if (MapStep is null)
        {
            throw new ArgumentNullException(nameof(MapStep), "A map step is needed.");
        }
    }
}
