using System.Text.RegularExpressions;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Tally.Cluster.Reduce;
using Tally.Cluster.Wire;

namespace Tally.Cluster;

/// <summary>The reduce on the nodes (<see cref="ClusterExecutorOptions.Reduce"/>): the phase after every map task, and the runs' folder.</summary>
public sealed partial class ClusterExecutor
{
    /// <summary>The folder under <see cref="ClusterReduce.Directory"/> that holds the map runs of running jobs, one folder per job.</summary>
    public const string RunsFolder = ".tally-map";

    private ReducedOutput? _reduced;
    private ReduceStatus? _reduceStatus;

    /// <summary>
    /// With <see cref="ClusterExecutorOptions.Reduce"/>, once the reduce phase has started: its
    /// parts, reducers running and parts written; null before. Safe to read from any thread: the
    /// reduce loop publishes each state whole.
    /// </summary>
    public ReduceStatus? ReduceProgress
    {
        get => Volatile.Read(ref _reduceStatus);
        private set => Volatile.Write(ref _reduceStatus, value);
    }

    /// <summary>
    /// With <see cref="ClusterExecutorOptions.Reduce"/>: the parts the last job wrote, once its
    /// result is in; null before, and when the job failed. Read it after awaiting the job: the
    /// job's task completes after the executor set it.
    /// </summary>
    public ReducedOutput? Reduced
    {
        get => Volatile.Read(ref _reduced);
        private set => Volatile.Write(ref _reduced, value);
    }

    /// <summary>Checks that every source can be read by a node, and makes the output folder.</summary>
    private void PrepareReduce(Execution.SourceTask[] local)
    {
        Reduced = null;
        ReduceProgress = null;
        if (local.Length > 0)
        {
            // Counted here, its table would be on the coordinator, which holds none in this mode.
            throw new TallyInputException($"--reduce-on-nodes: {local[0].Name} cannot be read by the nodes (standard input, a FIFO): give files on shared storage");
        }

        try
        {
            string runs = Path.Combine(Options.Reduce!.Directory, RunsFolder);
            Directory.CreateDirectory(runs);

            // Runs of a job whose coordinator was killed are never read again: a job writes its
            // parts into this folder, so no other job can be using it now.
            foreach (string stale in Directory.EnumerateDirectories(runs))
            {
                Directory.Delete(stale, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"-o {Options.Reduce!.Directory}: cannot make the folder: {e.Message}", e);
        }
    }

    private static string RunPath(ClusterReduce reduce, string job, int task, int attempt)
        => Path.Combine(Path.GetFullPath(reduce.Directory), RunsFolder, job, $"{task}-{attempt}.run");

    /// <summary>Removes the job's runs (accepted, late and lost attempts' alike), and the runs' folder once no job uses it.</summary>
    private static void RemoveRuns(ClusterReduce reduce, string job)
    {
        string runs = Path.Combine(Path.GetFullPath(reduce.Directory), RunsFolder);
        try
        {
            if (Directory.Exists(Path.Combine(runs, job)))
            {
                Directory.Delete(Path.Combine(runs, job), recursive: true);
            }

            if (Directory.Exists(runs) && !Directory.EnumerateFileSystemEntries(runs).Any())
            {
                Directory.Delete(runs);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another job's runs, or a node still writing a lost attempt's file: left for later.
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Removed with the job's folder at the end.
        }
    }

    /// <summary>
    /// The reduce phase of one job: picks the splitters and runs one reducer per range on the
    /// nodes, rerunning a reducer whose node dies on another node, from the runs on shared storage.
    /// </summary>
    /// <remarks>
    /// Like the map dispatch loop, one loop owns all the state (queue, attempts, results); attempts
    /// run as tasks and only hand their outcome back. Two attempts of one reducer (one given up
    /// as lost but still running on a hung node, and its rerun) may both rename their part into
    /// place: they merge the same runs over the same range, so the bytes are the same whichever
    /// rename lands last.
    /// </remarks>
    private sealed partial class ReducePhase(ClusterExecutor executor, ClusterReduce reduce, Membership membership, SiloAddress self, IGrainFactory grains, Dispatcher maps) : IDisposable
    {
        private readonly ClusterExecutorOptions _options = executor.Options;
        private readonly Dictionary<Task<ReduceResult>, (int Part, SiloAddress Node, int Number)> _running = [];
        private readonly Dictionary<SiloAddress, int> _busy = [];
        private readonly Dictionary<SiloAddress, int> _done = [];
        private readonly Dictionary<int, int> _attempts = [];
        private readonly Dictionary<int, int> _failures = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly NodeDeaths _deaths = new();

        /// <summary>Every node of the job in the order it was first seen: the map phase's, then any that joined since.</summary>
        private readonly List<(SiloAddress Node, int Slots)> _known = [.. maps.Known];

        public void Dispose()
        {
            _stop.Dispose();
            _deaths.Dispose();
        }

        public async Task<ReducedOutput> RunAsync(CancellationToken cancellationToken)
        {
            string directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(reduce.Directory));
            var runs = maps.Runs.OrderBy(r => r.Key).Select(r => r.Value).ToList();
            var splitters = Splitters.Choose(runs.Select(r => r.Summary), reduce.Parts);
            string[] paths = [.. runs.Select(r => r.Path)];
            var parts = new ReducedPart?[reduce.Parts];
            var queue = new LinkedList<(int Part, DateTime NotBefore, SiloAddress? Avoid)>(Enumerable.Range(0, reduce.Parts).Select(p => (p, DateTime.MinValue, (SiloAddress?)null)));
            var lastNodeSeen = DateTime.UtcNow;
            try
            {
                while (queue.Count > 0 || _running.Count > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var nodes = membership.LiveNodes(self);
                    _deaths.Check(membership.IsDead);
                    var now = DateTime.UtcNow;
                    lastNodeSeen = CheckNodesGone(_options, nodes.Count, lastNodeSeen, now, queue.Count + _running.Count, "part", "written");

                    Assign(queue, nodes, now, paths, splitters, directory);
                    PublishNodes(nodes);
                    executor.ReduceProgress = new ReduceStatus(reduce.Parts, _running.Count, parts.Count(p => p is not null));

                    var tick = Task.Delay(s_tick, cancellationToken);
                    await Task.WhenAny([tick, .. _running.Keys]).ConfigureAwait(false);
                    foreach (var finished in _running.Keys.Where(t => t.IsCompleted).ToList())
                    {
                        var (part, node, number) = _running[finished];
                        _running.Remove(finished);
                        _busy[node]--;
                        Handle(part, node, number, await finished.ConfigureAwait(false), queue, parts);
                    }

                    PublishNodes(nodes);
                    executor.ReduceProgress = new ReduceStatus(reduce.Parts, _running.Count, parts.Count(p => p is not null));
                }
            }
            finally
            {
                // Whatever ended the loop, no attempt outlives it.
                await _stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(_running.Keys).ConfigureAwait(false);
            }

            RemoveStaleParts(directory, reduce.Parts);
            return new ReducedOutput(directory, [.. parts.Select(p => p!)]);
        }

        /// <summary>Sends queued reducers to the nodes with the most free slots, away from the node a reducer was just lost on when another is free.</summary>
        private void Assign(LinkedList<(int Part, DateTime NotBefore, SiloAddress? Avoid)> queue, Dictionary<SiloAddress, int> nodes, DateTime now, string[] runs, byte[][] splitters, string directory)
        {
            var entry = queue.First;
            while (entry is not null)
            {
                var next = entry.Next;
                var (part, notBefore, avoid) = entry.Value;
                if (notBefore <= now)
                {
                    var free = FreestNode(nodes, _busy, avoid);
                    if (free is null)
                    {
                        return;
                    }

                    queue.Remove(entry);
                    var order = new ReduceOrder(part, reduce.Parts, runs, part == 0 ? null : splitters[part - 1], part == reduce.Parts - 1 ? null : splitters[part],
                        reduce.Format.Name, Path.Combine(directory, ClusterReduce.PartName(part)));
                    int number = _attempts.GetValueOrDefault(part);
                    _attempts[part] = number + 1;
                    _busy[free] = _busy.GetValueOrDefault(free) + 1;
                    _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.ReduceStarted, ClusterReduce.PartName(part), free.ToParsableString(), number, ""));
                    var death = _deaths.For(free);
                    _running[Task.Run(() => RunAttemptAsync(order, free, number, death))] = (part, free, number);
                }

                entry = next;
            }
        }

        private void Handle(int part, SiloAddress node, int number, ReduceResult result, LinkedList<(int Part, DateTime NotBefore, SiloAddress? Avoid)> queue, ReducedPart?[] parts)
        {
            string name = ClusterReduce.PartName(part);
            string where = node.ToParsableString();
            switch (result.Kind)
            {
                case ReduceResultKind.Done:
                    parts[part] ??= new ReducedPart(Path.Combine(Path.GetFullPath(reduce.Directory), name), result.Rows, result.Bytes, where);
                    _done[node] = _done.GetValueOrDefault(node) + 1;
                    _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.ReduceCompleted, name, where, number, "") { Rows = result.Rows, TableBytes = result.Bytes });
                    break;

                case ReduceResultKind.Failed:
                    // The same runs and range fail the same way on any node: the job fails.
                    throw result.IsDataError ? new TallyDataException(name, null, result.Reason) : new TallyInputException($"--reduce-on-nodes: {result.Reason}");

                case ReduceResultKind.Rejected:
                    _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.Rejected, name, where, number, result.Reason));
                    int pause = Math.Min(2000, 250 << Math.Min(3, number));
                    queue.AddFirst((part, DateTime.UtcNow.AddMilliseconds(pause), node));
                    break;

                case ReduceResultKind.Lost:
                    _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.ReduceLost, name, where, number, result.Reason));
                    int failures = _failures.GetValueOrDefault(part) + 1;
                    _failures[part] = failures;
                    if (failures >= _options.MaxAttempts)
                    {
                        throw new TallyWorkerException(name, $"gave up after {failures} attempts on cluster nodes; the last on node {where}: {result.Reason}");
                    }

                    // Rerun from the map runs on shared storage: they outlive the node that died.
                    queue.AddFirst((part, DateTime.MinValue, node));
                    break;
            }
        }

        /// <summary>Publishes the node lines: every node of the job, its reducers running, and its map tasks and reducers done.</summary>
        /// <remarks>A node that joined after the map phase (a replacement) is listed after the others.</remarks>
        private void PublishNodes(Dictionary<SiloAddress, int> live)
        {
            foreach (var (node, slots) in live)
            {
                if (!_known.Any(k => k.Node.Equals(node)))
                {
                    _known.Add((node, slots));
                }
            }

            executor.Publish([.. _known.Select(n => new NodeStatus(n.Node.ToParsableString(), n.Slots, _busy.GetValueOrDefault(n.Node),
                maps.Done.GetValueOrDefault(n.Node) + _done.GetValueOrDefault(n.Node), live.ContainsKey(n.Node)))]);
        }

        /// <summary>One reducer attempt: the grain call and its stream of reports.</summary>
        private async Task<ReduceResult> RunAttemptAsync(ReduceOrder order, SiloAddress node, int number, CancellationToken nodeDead)
        {
            using var stalled = new StallTimer(_options.StallTimeout);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, stalled.Token, nodeDead);
            NodeStream<ReduceReport>? stream = null;
            try
            {
                // Placed on the chosen node by the hint, with a fresh key per attempt (see the map's attempts).
                RequestContext.Set(IPlacementDirector.PlacementHintKey, node);
                var reports = grains.GetGrain<IReduceTaskGrain>($"{maps.Job}/reduce/{order.Part}/{number}").ReduceAsync(order, either.Token);
                stream = new NodeStream<ReduceReport>(reports.GetAsyncEnumerator(either.Token));
                while (await stream.MoveNextAsync(either.Token).ConfigureAwait(false))
                {
                    var report = stream.Current;

                    // A reducer's work is the rows it has merged.
                    stalled.Report(report.Kind == ReduceReportKind.Progress, report.Rows);

                    switch (report.Kind)
                    {
                        case ReduceReportKind.Done:
                            return new ReduceResult(ReduceResultKind.Done, report.Rows, report.Bytes);
                        case ReduceReportKind.Failed:
                            return new ReduceResult(ReduceResultKind.Failed, Reason: report.Reason ?? "failed", IsDataError: report.IsDataError);
                    }
                }

                return new ReduceResult(ReduceResultKind.Lost, Reason: "the node's stream ended without a result");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return new ReduceResult(ReduceResultKind.Lost, Reason: "stopped");
            }
            catch (OperationCanceledException) when (nodeDead.IsCancellationRequested)
            {
                return new ReduceResult(ReduceResultKind.Lost, Reason: "the node was declared dead");
            }
            catch (OperationCanceledException) when (stalled.IsStalled)
            {
                return new ReduceResult(ReduceResultKind.Lost, Reason: $"no progress for {_options.StallTimeout.TotalSeconds:0.#} s");
            }
            catch (OrleansMessageRejectionException e) when (e is not SiloUnavailableException || membership.LiveNodes(self).ContainsKey(node))
            {
                return new ReduceResult(ReduceResultKind.Rejected, Reason: e.Message.Split('\n', 2)[0].Trim());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var inner = e.GetBaseException();
                return new ReduceResult(ReduceResultKind.Lost, Reason: $"{inner.GetType().Name}: {inner.Message.Split('\n', 2)[0].Trim()}");
            }
            finally
            {
                stream?.Abandon();
            }
        }

        /// <summary>Removes <c>part-NNNNN</c> files numbered past this job's parts: an earlier job's with more parts, which would otherwise be read as part of this output.</summary>
        private static void RemoveStaleParts(string directory, int parts)
        {
            foreach (string file in Directory.EnumerateFiles(directory, "part-*"))
            {
                var match = PartFile().Match(Path.GetFileName(file));
                if (match.Success && int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture) >= parts)
                {
                    DeleteQuietly(file);
                }
            }
        }

        [GeneratedRegex(@"^part-(\d{5})$")]
        private static partial Regex PartFile();
    }

    private enum ReduceResultKind
    {
        Done,
        Failed,
        Rejected,
        Lost,
    }

    private sealed record ReduceResult(ReduceResultKind Kind, long Rows = 0, long Bytes = 0, string Reason = "", bool IsDataError = false);
}
