using System.Diagnostics.CodeAnalysis;
using Tally.Formats.NgramV2;

namespace Tally.Mapping;

/// <summary>The map steps a worker process can run, by name: workers receive names, never code.</summary>
/// <remarks>
/// <c>tally worker</c> serves <see cref="WithBuiltIns"/>. A program that hosts worker mode itself
/// (<see cref="Workers.WorkerHost.RunAsync"/>) adds its own steps under the names its parent uses.
/// Fill it before serving; it is not meant to change while a worker runs.
/// </remarks>
public sealed class MapStepRegistry
{
    private readonly Dictionary<string, MapStep> _steps = new(StringComparer.Ordinal);

    /// <summary>A registry holding every built-in step (<see cref="NgramV2MapStep"/>).</summary>
    public static MapStepRegistry WithBuiltIns() => new MapStepRegistry().Add(NgramV2MapStep.Instance);

    /// <summary>The registered names, in ordinal order.</summary>
    public IReadOnlyList<string> Names => [.. _steps.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers <paramref name="step"/> under its <see cref="MapStep.Name"/>.</summary>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">Another step already has that name.</exception>
    public MapStepRegistry Add(MapStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (!_steps.TryAdd(step.Name, step))
        {
            throw new ArgumentException($"A map step named \"{step.Name}\" is already registered.", nameof(step));
        }

        return this;
    }

    /// <summary>Registers <paramref name="step"/>, replacing any step of the same name.</summary>
    /// <returns>This registry, to chain calls.</returns>
    public MapStepRegistry Replace(MapStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps[step.Name] = step;
        return this;
    }

    /// <summary>Finds the step registered as <paramref name="name"/>.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out MapStep? step) => _steps.TryGetValue(name, out step);
}
