using System.Diagnostics.CodeAnalysis;
using Tally.Formats;

namespace Tally.Mapping;

/// <summary>The map steps (formats) a program knows, by name: workers receive a name and arguments, never code.</summary>
/// <remarks>
/// <c>tally count</c> and <c>tally worker</c> both read <see cref="WithBuiltIns"/>, so a format
/// registered there is known to the command line and to every worker process alike. A program that
/// hosts worker mode itself (<see cref="Workers.WorkerHost.RunAsync"/>) adds its own steps under the
/// names its parent uses. Fill it before use; it is not meant to change while a job runs.
/// </remarks>
public sealed class MapStepRegistry
{
    private readonly Dictionary<string, Func<string, MapStep>> _factories = new(StringComparer.Ordinal);

    /// <summary>A registry holding every built-in format (see <see cref="BuiltInFormats"/>).</summary>
    public static MapStepRegistry WithBuiltIns() => BuiltInFormats.Register(new MapStepRegistry());

    /// <summary>The registered names, in ordinal order.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers <paramref name="step"/>, a step without arguments, under its <see cref="MapStep.Name"/>.</summary>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">Another step already has that name, or the step has arguments (register a factory instead).</exception>
    public MapStepRegistry Add(MapStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (step.Arguments.Length != 0)
        {
            throw new ArgumentException($"The map step \"{step.Identity}\" has arguments: register a factory that builds it from them.", nameof(step));
        }

        return Add(step.Name, arguments => arguments.Length == 0
            ? step
            : throw new ArgumentException($"The map step \"{step.Name}\" takes no arguments, not \"{arguments}\".", nameof(arguments)));
    }

    /// <summary>Registers a step that takes arguments: <paramref name="factory"/> builds it from its <see cref="MapStep.Arguments"/>.</summary>
    /// <param name="name">The step's <see cref="MapStep.Name"/>.</param>
    /// <param name="factory">Builds the step; throws <see cref="ArgumentException"/> for arguments it does not accept.</param>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">Another step already has that name, or the name is not valid.</exception>
    public MapStepRegistry Add(string name, Func<string, MapStep> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!MapStep.IsValidName(name))
        {
            throw new ArgumentException($"\"{name}\" is not a valid map step name: use 1 to 64 of a-z, 0-9, '-', '_' and '.'.", nameof(name));
        }

        if (!_factories.TryAdd(name, factory))
        {
            throw new ArgumentException($"A map step named \"{name}\" is already registered.", nameof(name));
        }

        return this;
    }

    /// <summary>Registers <paramref name="step"/>, replacing any step of the same name.</summary>
    /// <returns>This registry, to chain calls.</returns>
    public MapStepRegistry Replace(MapStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _factories.Remove(step.Name);
        return Add(step);
    }

    /// <summary>Finds the step registered as <paramref name="name"/>, without arguments.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out MapStep? step) => TryCreate(name, "", out step);

    /// <summary>Builds the step registered as <paramref name="name"/> with <paramref name="arguments"/>.</summary>
    /// <returns>False when no step has that name.</returns>
    /// <exception cref="ArgumentException">The step does not accept the arguments.</exception>
    public bool TryCreate(string name, string arguments, [NotNullWhen(true)] out MapStep? step)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!_factories.TryGetValue(name, out var factory))
        {
            step = null;
            return false;
        }

        step = factory(arguments);
        if (step.Name != name || step.Arguments != arguments)
        {
            throw new InvalidOperationException($"The factory of map step \"{name}\" built \"{step.Identity}\" for arguments \"{arguments}\".");
        }

        return true;
    }
}
