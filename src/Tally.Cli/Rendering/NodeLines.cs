namespace Tally.Cli.Rendering;

/// <summary>A cluster node as the live display shows it; read from the cluster executor, or from a fake in tests.</summary>
/// <param name="Address">The node's <c>HOST:PORT</c>.</param>
/// <param name="Slots">Tasks it runs at once.</param>
/// <param name="Running">Tasks running on it now.</param>
/// <param name="Done">Tasks it completed in this job.</param>
/// <param name="IsAlive">False once it left or was declared dead.</param>
internal sealed record NodeLine(string Address, int Slots, int Running, int Done, bool IsAlive);

/// <summary>One line per cluster node in the live display (<c>count --cluster</c>): tasks running and done, or that it died.</summary>
/// <remarks>
/// The executor is made inside the job, after the display is set up, so it is attached later
/// (<see cref="Attach"/>, from the job's thread) and read on the display's loop: the reader is one
/// reference, swapped whole, so no lock is needed. Until then, and while no node has joined,
/// there are no lines.
/// </remarks>
internal sealed class NodeLines : IStatusLines
{
    private volatile Func<IReadOnlyList<NodeLine>>? _read;

    /// <summary>Where the nodes are read from: a snapshot, cheap and never blocking.</summary>
    public void Attach(Func<IReadOnlyList<NodeLine>> read) => _read = read;

    public IReadOnlyList<ProgressItem> Current()
        => _read is { } read ? [.. read().Select(Item)] : [];

    internal static ProgressItem Item(NodeLine node) => new($"node {TallyApp.Printable(node.Address)}", null, 0, null, null, null)
    {
        // Short, so that it fits beside the bar at 60 columns: tasks running of slots, tasks done.
        Note = node.IsAlive ? $"{node.Running:N0}/{node.Slots:N0} running, {node.Done:N0} done" : $"dead, {node.Done:N0} done",
    };
}
