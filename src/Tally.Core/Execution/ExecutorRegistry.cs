using System.Diagnostics.CodeAnalysis;
using Tally.Executors.Processes;
using Tally.Executors.Threads;
using Tally.Workers;

namespace Tally.Execution;

/// <summary>The executors a program offers, by name: what <c>--executor NAME</c> resolves.</summary>
/// <remarks>
/// An executor in another assembly (a cluster, say) is one <see cref="Add"/> in the program that
/// offers it; the engine never names an executor.
/// </remarks>
public sealed class ExecutorRegistry
{
    private readonly Dictionary<string, Func<Executor>> _factories = new(StringComparer.Ordinal);

    /// <summary>The built-in executors: <c>threads</c> (the default) and <c>processes</c>, whose workers start with <paramref name="workerCommand"/>.</summary>
    /// <param name="workerCommand">Builds the command that starts a worker process; called only when <c>processes</c> is chosen.</param>
    public static ExecutorRegistry WithBuiltIns(Func<WorkerCommand> workerCommand)
    {
        ArgumentNullException.ThrowIfNull(workerCommand);
        return new ExecutorRegistry()
            .Add(ThreadExecutor.ExecutorName, () => ThreadExecutor.Instance)
            .Add(ProcessExecutor.ExecutorName, () => new ProcessExecutor(workerCommand()));
    }

    /// <summary>The registered names, in the order added.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys];

    /// <summary>Registers an executor under <paramref name="name"/>; <paramref name="factory"/> builds it when chosen.</summary>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">Another executor already has that name.</exception>
    public ExecutorRegistry Add(string name, Func<Executor> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_factories.TryAdd(name, factory))
        {
            throw new ArgumentException($"An executor named \"{name}\" is already registered.", nameof(name));
        }

        return this;
    }

    /// <summary>Builds the executor registered as <paramref name="name"/>.</summary>
    public bool TryCreate(string name, [NotNullWhen(true)] out Executor? executor)
    {
        if (_factories.TryGetValue(name, out var factory))
        {
            executor = factory();
            return true;
        }

        executor = null;
        return false;
    }
}
