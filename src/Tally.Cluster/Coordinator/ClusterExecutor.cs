using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Tally.Cluster.Wire;
using Tally.Execution;
using Tally.Parsing;
using Tally.Serialization;

namespace Tally.Cluster;

/// <summary>
/// Runs the map step on the nodes of an Orleans cluster: this process becomes a silo (the primary,
/// with <c>HOST:PORT</c> membership) that hosts no map tasks, waits for its nodes, and sends one
/// grain call per source attempt to a node with a free slot.
/// </summary>
/// <remarks>
/// <para>
/// One dispatch loop owns all the scheduling state (free slots, queued tasks, attempts), so none of
/// it is shared between threads; attempts run as tasks and only hand their result back to it.
/// </para>
/// <para>
/// Failures: a node that dies or hangs is declared dead by membership (tuned to 1-2 s), and the
/// runtime fails its calls with <see cref="SiloUnavailableException"/>: the source runs again on
/// another node, from its first byte. A task with no progress for <see cref="ClusterExecutorOptions.StallTimeout"/>
/// is given up and rerun too. A call the runtime rejects while a dead node is not yet declared
/// dead (<see cref="OrleansMessageRejectionException"/>) is retried after a pause and never counts
/// as a failure. One result per task is accepted (<see cref="SourceTask.Complete"/>); a late one is
/// dropped. Bad data is an outcome, not a failure: it is never retried.
/// </para>
/// </remarks>
public sealed partial class ClusterExecutor : Executor
{
    /// <summary>The name <c>--executor</c> knows it by.</summary>
    public const string ExecutorName = "cluster";

    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the start (nodes joined?) and the end (nodes left?) of a job look at membership: every job waits for both, and a look is a read of the local snapshot.</summary>
    private static readonly TimeSpan s_membershipTick = TimeSpan.FromMilliseconds(25);

    private readonly Lock _nodesLock = new();
    private IReadOnlyList<NodeStatus> _nodes = [];

    /// <summary>Why the last peer this job's silo refused at the TLS handshake was refused (null if none): the join-timeout error says it, since the node that was refused is not in the table to be counted.</summary>
    private volatile string? _lastRefusal;

    /// <summary>Creates the executor.</summary>
    public ClusterExecutor(ClusterExecutorOptions options)
        : base(ExecutorName)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Nodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        options.Reduce?.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public ClusterExecutorOptions Options { get; }

    /// <summary>
    /// The nodes of the running job, as last seen: every node that joined, alive or dead, in the
    /// order they joined; empty before the coordinator starts. Safe to read from any thread: each
    /// read returns a snapshot the dispatch loop published whole (every 200 ms at most).
    /// </summary>
    public IReadOnlyList<NodeStatus> Nodes
    {
        get
        {
            lock (_nodesLock)
            {
                return _nodes;
            }
        }
    }

    /// <summary>True: the nodes count, and this process only merges their tables, so it folds each as it arrives (see <see cref="Executor.FoldsTablesOnArrival"/>).</summary>
    /// <remarks>
    /// Measured (docs/benchmarks.md, "Cluster"): left to wait, as a local count's tables do, the
    /// decoded tables (which carry no slots, so they look small) piled up and were folded after the
    /// last source on one core: 0.35-0.5 s of the six large files' job, 1.45 s of 18 files of the
    /// same keys, now 0.2 s and 0.09 s. Folded as they come, tables of the same keys take 930 MiB
    /// instead of 1,575; disjoint ones take 810 instead of 705 (the slots grow in steps). Wall time
    /// is unchanged where the nodes share this machine's cores, 0.985x with a core of its own.
    /// </remarks>
    public override bool FoldsTablesOnArrival => true;

    /// <inheritdoc/>
    public override async Task RunAsync(ExecutorRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);

        // A source no node can open (standard input, a FIFO) is counted here, beside the cluster.
        SourceTask[] local = [.. run.Tasks.Where(t => t.Source.Address is null || !t.Source.CanReopen)];
        if (Options.Reduce is not null)
        {
            PrepareReduce(local);
        }

        SourceTask[] remote = [.. run.Tasks.Except(local)];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var here = Task.Run(() => CountHereAsync(run, local, stop.Token), CancellationToken.None);
        try
        {
            if (remote.Length > 0)
            {
                await RunOnClusterAsync(run, remote, stop.Token).ConfigureAwait(false);
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await QuietlyAsync(here).ConfigureAwait(false);
            throw;
        }

        await here.ConfigureAwait(false);
    }

    private static async Task CountHereAsync(ExecutorRun run, SourceTask[] tasks, CancellationToken cancellationToken)
    {
        foreach (var task in tasks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (task.Token.IsCancellationRequested)
            {
                continue;
            }

            task.Begin();

            // The last slot: the dispatch loop adds skipped rows with slot 0, from its own thread.
            var rejects = run.CreateRejectSink(task, run.Workers - 1);
            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, task.Token);
            try
            {
                var count = await SourceCounter.CountAsync(task.Source, run.Settings, rejects, task.SetFigures, both.Token).ConfigureAwait(false);
                task.Complete(count.ToOutcome(rejects));
            }
            catch (OperationCanceledException) when (task.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // No longer needed.
            }
        }
    }

    private async Task RunOnClusterAsync(ExecutorRun run, SourceTask[] tasks, CancellationToken cancellationToken)
    {
        var cluster = Options.Cluster;
        // With a Redis table the coordinator is one more member, reached at whatever address it
        // writes there: loopback unless told, and a free port when none is named (port 0).
        var listen = cluster.IsRedis
            ? Options.Listen is { Port: not 0 } named ? named : new IPEndPoint(Options.Listen?.Address ?? IPAddress.Loopback, ClusterAddress.FreePort(Options.Listen?.Address ?? IPAddress.Loopback))
            : cluster.EndPoint;
        var fatal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = SiloHost.Build(cluster, listen, NodeName.Coordinator, hostsTasks: false, services => services.AddSingleton<IFatalErrorHandler>(new FatalErrorSignal(fatal)),
            tls: Options.Tls, refused: reason => _lastRefusal = reason);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Stopped and disposed whichever way the start ended; a cancelled start stays cancelled.
            await SiloHost.StopAsync(host, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (e is OperationCanceledException)
            {
                throw;
            }

            throw new TallyInputException($"--cluster {cluster}: the coordinator cannot start at {listen}: {e.Message}", e);
        }

        // Declared dead by the cluster (a standing one, whose table is not ours: this process was
        // stopped or cut off for longer than the probes allow), the silo is finished: the job ends.
        using var declaredDead = new CancellationTokenSource();
        using var job = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, declaredDead.Token);
        _ = fatal.Task.ContinueWith(_ => CancelQuietly(declaredDead), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var removingRuns = Task.CompletedTask;
        try
        {
            var membership = new Membership(host.Services.GetRequiredService<IClusterMembershipService>(), host.Services.GetRequiredService<IClusterManifestProvider>());
            var self = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await WaitForNodesAsync(membership, self, job.Token).ConfigureAwait(false);
            using var dispatcher = new Dispatcher(this, run, membership, self, grains);
            if (Options.Reduce is { } runs)
            {
                Directory.CreateDirectory(Path.Combine(Path.GetFullPath(runs.Directory), RunsFolder, dispatcher.Job));
            }

            try
            {
                await dispatcher.RunAsync(tasks, job.Token).ConfigureAwait(false);
                if (Options.Reduce is { } reduce && dispatcher.AllRunsAccepted(tasks))
                {
                    // Every source is counted (or left out as broken): the reduce needs the same
                    // nodes and membership view, so it runs before the nodes are let go.
                    using var phase = new ReducePhase(this, reduce, membership, self, grains, dispatcher);
                    Reduced = await phase.RunAsync(job.Token).ConfigureAwait(false);
                }
                else if (Options.Reduce is not null && !dispatcher.JobFails)
                {
                    // Never expected: a job that succeeds must not end with no parts and no error.
                    throw new InvalidOperationException("--reduce-on-nodes: a source ended with neither a run nor an error; no part was written");
                }
            }
            finally
            {
                if (Options.Reduce is { } reduce)
                {
                    // Off this thread, while the nodes are told and the silo leaves: freeing the
                    // runs' blocks is I/O the job's end need not wait on twice (six runs of 25 MB
                    // took 50-110 ms to delete). Awaited below, so no run outlives the job.
                    string finished = dispatcher.Job;
                    removingRuns = Task.Run(() => RemoveRuns(reduce, finished), CancellationToken.None);
                }

                // Nodes of a standing Redis cluster stay in it between jobs (the table outlives this
                // coordinator): nothing to tell them, and no port of ours they could rejoin by mistake.
                if (!cluster.IsRedis)
                {
                    await TellNodesAsync(membership, self, grains).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (fatal.Task.IsCompleted && !cancellationToken.IsCancellationRequested)
        {
            throw new TallyInputException($"--cluster {cluster}: this coordinator was declared dead by the cluster ({fatal.Task.Result}): it was stopped, starved or cut off "
                + "from its nodes for longer than their probes allow, and its job is abandoned; run it again");
        }
        finally
        {
            // Leaving cleanly marks the coordinator dead in the membership table at once, so the
            // nodes go back to waiting for the next job instead of probing a silo that is gone.
            // Bounded: with the Redis table gone, the job's result must not wait on the leaving.
            await SiloHost.StopAsync(host, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await removingRuns.ConfigureAwait(false);
        }
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job had ended already.
        }
    }

    /// <summary>Tells every node the job is over, so it leaves at once and waits for the next coordinator, and waits (30 s at most) until they have left.</summary>
    private static async Task TellNodesAsync(Membership membership, SiloAddress self, IGrainFactory grains)
    {
        // Hold the port until the nodes have left (30 s at most): a node still in this cluster when
        // the next coordinator starts at the same address would read the new, younger membership
        // table, and Orleans ends such a silo's process.
        // Until they are Dead, not merely shutting down: a silo still stopping reads the table too.
        // A node that was still joining when the job ended becomes active later and is told then:
        // told only once at the start, it never left, and the coordinator waited out the 30 s.
        // A node that was told and whose silo port no longer takes connections is out as well: a
        // silo closes its listener last, after its final write to the table, so it reads the table
        // no more. Its writes can be lost: the nodes leave at once and write one table, and a
        // stopping silo does not retry a write that loses that race (seen: both its "shutting down"
        // and its "dead" lost, so the table still said active). The table is then wrong until this
        // silo's probes vote the node dead, 2.2-3 s later, in a third to a half of the jobs of three
        // nodes on one machine, and the job's result waited for that.
        var told = new HashSet<SiloAddress>();
        var closed = new HashSet<SiloAddress>();
        var calls = new List<Task>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            foreach (var node in membership.LiveNodes(self).Keys.Where(told.Add))
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, node);
                try
                {
                    calls.Add(grains.GetGrain<INodeControlGrain>($"{node.ToParsableString()}/{Guid.NewGuid():N}").CoordinatorLeavingAsync());
                }
                finally
                {
                    RequestContext.Clear();
                }
            }

            // Looked at side by side: a port that drops packets instead of refusing takes a second.
            var leaving = membership.NodesNotDead(self);
            var open = leaving.Where(n => told.Contains(n) && !closed.Contains(n)).ToList();
            var answers = await Task.WhenAll(open.Select(n => ClusterAddress.AnswersAsync(n.Endpoint, CancellationToken.None))).ConfigureAwait(false);
            closed.UnionWith(open.Where((_, i) => !answers[i]));

            if (leaving.All(closed.Contains) || DateTime.UtcNow >= deadline)
            {
                break;
            }

            await Task.Delay(s_membershipTick).ConfigureAwait(false);
        }

        // A node that does not answer (dying, or the call hangs as management calls can) noticed
        // the coordinator's port closing instead; its call is not waited for.
        await QuietlyAsync(Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
    }

    /// <summary>Why a node of protocol <paramref name="protocol"/> is not used.</summary>
    private static string StrangerReason(int protocol)
        => $"another tally version: cluster protocol {protocol}, this coordinator's {ClusterProtocol.Version}; run the same tally version on every machine";

    private async Task WaitForNodesAsync(Membership membership, SiloAddress self, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Options.JoinTimeout;
        var told = new HashSet<SiloAddress>();
        while (true)
        {
            var live = membership.LiveNodes(self);
            int joined = live.Count;
            Publish([.. live.Select(n => new NodeStatus(n.Key.ToParsableString(), n.Value, 0, 0))]);
            if (joined >= Options.Nodes)
            {
                return;
            }

            // A node of another tally version is left out: what they say to each other differs, and
            // a task it ran would come back misread. Said once per node (--verbose), and in the
            // message below if the job cannot start without it.
            var strangers = membership.Strangers(self);
            foreach (var (node, protocol) in strangers.Where(s => told.Add(s.Node)))
            {
                Options.Events?.Invoke(new ClusterEvent(ClusterEventKind.NodeRefused, "", node.ToParsableString(), 0, StrangerReason(protocol)));
            }

            if (DateTime.UtcNow >= deadline)
            {
                string others = strangers.Count == 0 ? ""
                    : $"; not used: {string.Join(", ", strangers.Select(s => $"node {s.Node.Endpoint} ({StrangerReason(s.Protocol)})"))}";
                throw new TallyInputException($"--cluster {Options.Cluster}: {joined} of {Options.Nodes} node{(Options.Nodes == 1 ? "" : "s")} joined within {Options.JoinTimeout.TotalSeconds:0.#} s (--join-timeout){others}; start them with 'tally node --join {JoinHint()}'{TlsHint()}");
            }

            await Task.Delay(s_membershipTick, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>With TLS, what a node needs to join, and the last refusal if there was one: a node that was refused is otherwise invisible here.</summary>
    private string TlsHint() => Options.Tls is not { } tls ? ""
        : $" and a --tls-certificate that this coordinator trusts: {tls.Trust}" + (_lastRefusal is { } refusal ? $"; the coordinator {refusal}" : "");

    /// <summary>The live node with the most free slots, one other than <paramref name="avoid"/> (where an attempt was just lost or rejected) when another is free; null when no slot is free.</summary>
    private static SiloAddress? FreestNode(Dictionary<SiloAddress, int> nodes, Dictionary<SiloAddress, int> busy, SiloAddress? avoid)
        => nodes.Where(n => n.Value - busy.GetValueOrDefault(n.Key) > 0)
            .OrderBy(n => n.Key.Equals(avoid) ? 1 : 0)
            .ThenByDescending(n => n.Value - busy.GetValueOrDefault(n.Key))
            .Select(n => n.Key).FirstOrDefault();

    /// <summary>
    /// When a node was last seen alive (<paramref name="now"/> if one is); throws once none has been
    /// for the grace period, naming the <paramref name="left"/> pieces of work (<paramref name="noun"/>s)
    /// not <paramref name="verb"/>: the map and reduce loops end the same way when every node is gone.
    /// </summary>
    private static DateTime CheckNodesGone(ClusterExecutorOptions options, int live, DateTime lastNodeSeen, DateTime now, int left, string noun, string verb)
    {
        if (live > 0)
        {
            return now;
        }

        if (now - lastNodeSeen > options.NodesGoneGrace)
        {
            throw new TallyInputException($"--cluster {options.Cluster}: every node left the cluster and none came back within {options.NodesGoneGrace.TotalSeconds:0.#} s; {left} {noun}{(left == 1 ? "" : "s")} not {verb}");
        }

        return lastNodeSeen;
    }

    private string JoinHint() => Options.Cluster.IsRedis ? $"--membership {Options.Cluster}" : Options.Cluster.Text;

    private void Publish(IReadOnlyList<NodeStatus> nodes)
    {
        lock (_nodesLock)
        {
            _nodes = nodes;
        }
    }

    private static async Task QuietlyAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already failing or stopping; the first error is the one reported.
        }
    }

    /// <summary>The dispatch loop of one job: all scheduling state lives here, on one logical thread.</summary>
    private sealed class Dispatcher(ClusterExecutor executor, ExecutorRun run, Membership membership, SiloAddress self, IGrainFactory grains) : IDisposable
    {
        public void Dispose()
        {
            _stop.Dispose();
            _deaths.Dispose();
        }

        private readonly ClusterExecutorOptions _options = executor.Options;
        private readonly Dictionary<Task<AttemptResult>, Attempt> _running = [];
        private readonly Dictionary<SiloAddress, int> _busy = [];
        private readonly Dictionary<SiloAddress, int> _done = [];
        private readonly Dictionary<int, int> _attempts = [];
        private readonly Dictionary<int, int> _failures = [];

        /// <summary>Every node seen in this job and its slots, kept after it dies so its line stays on screen; <see cref="_order"/> is the order they joined.</summary>
        private readonly Dictionary<SiloAddress, int> _known = [];
        private readonly List<SiloAddress> _order = [];

        /// <summary>Keys of this job's attempts start with it, so two jobs on one standing cluster never share an activation.</summary>
        private readonly string _job = Guid.NewGuid().ToString("N")[..12];

        /// <summary>This job's id: the prefix of its grain keys, and its folder of map runs with <c>--reduce-on-nodes</c>.</summary>
        public string Job => _job;

        /// <summary>With <c>--reduce-on-nodes</c>: the accepted map run of each source counted, by task index. Only the dispatch loop writes it; the reduce reads it after the loop has ended.</summary>
        public Dictionary<int, (string Path, Reduce.RunSummary Summary)> Runs { get; } = [];

        /// <summary>Whether an accepted outcome will fail the job (a data error, a source given up on): then there is nothing to reduce.</summary>
        private bool _jobFails;

        /// <inheritdoc cref="_jobFails"/>
        public bool JobFails => _jobFails;

        /// <summary>Tasks completed per node in the map phase, for the node lines of the reduce.</summary>
        public IReadOnlyDictionary<SiloAddress, int> Done => _done;

        /// <summary>Every node seen, in the order they joined, with its slots.</summary>
        public IReadOnlyList<(SiloAddress Node, int Slots)> Known => [.. _order.Select(n => (n, _known[n]))];

        /// <summary>Whether every task has an accepted run or was left out as broken, and none failed the job: the reduce may start.</summary>
        public bool AllRunsAccepted(SourceTask[] tasks)
            => !_jobFails && tasks.All(t => Runs.ContainsKey(t.Index) || _leftOut.Contains(t.Index));

        /// <summary>Sources whose accepted outcome left them out (broken, with <see cref="BrokenSourcePolicy.Skip"/>).</summary>
        private readonly HashSet<int> _leftOut = [];

        /// <summary>Stops every attempt when the loop ends, whatever ended it.</summary>
        private readonly CancellationTokenSource _stop = new();
        private readonly NodeDeaths _deaths = new();

        public async Task RunAsync(SourceTask[] tasks, CancellationToken cancellationToken)
        {
            // Queued tasks, with the time before which each may not be sent again (a rejected call's pause).
            var queue = new LinkedList<(SourceTask Task, DateTime NotBefore, SiloAddress? Avoid)>(tasks.Select(t => (t, DateTime.MinValue, (SiloAddress?)null)));
            var lastNodeSeen = DateTime.UtcNow;
            try
            {
                while (queue.Count > 0 || _running.Count > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var nodes = membership.LiveNodes(self);
                    var now = DateTime.UtcNow;
                    _deaths.Check(membership.IsDead);
                    lastNodeSeen = CheckNodesGone(_options, nodes.Count, lastNodeSeen, now, queue.Count + _running.Count, "source", "counted");

                    Assign(queue, nodes, now);
                    PublishNodes(nodes);

                    var tick = Task.Delay(s_tick, cancellationToken);
                    await Task.WhenAny([tick, .. _running.Keys, .. _running.Values.Where(a => a.HoldsSlot && !a.Counted.IsCompleted).Select(a => a.Counted)]).ConfigureAwait(false);
                    foreach (var finished in _running.Keys.Where(t => t.IsCompleted).ToList())
                    {
                        var attempt = _running[finished];
                        _running.Remove(finished);
                        if (attempt.HoldsSlot)
                        {
                            _busy[attempt.Node]--;
                        }

                        Handle(attempt, await finished.ConfigureAwait(false), queue);
                    }

                    FreeCountedSlots();

                    // Again after the results, so the last state (every task done) is what stays.
                    PublishNodes(nodes);
                }
            }
            finally
            {
                // Whatever ended the loop, no attempt outlives it: each stops its stream when cancelled.
                await _stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(_running.Keys).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Frees the slot of every attempt that has counted its source and is sending its table, while
        /// its node sends no more tables than it has slots (see <see cref="Attempt"/>).
        /// </summary>
        /// <remarks>
        /// The cap is what bounds a node's memory: a coordinator slower to take tables than the node
        /// is to count would otherwise let counted tables pile up there, each waiting for its turn on
        /// the wire. At the cap the attempt keeps its slot, as before, until a table has gone.
        /// </remarks>
        private void FreeCountedSlots()
        {
            // Tables on the way per node: the running attempts that no longer hold a slot.
            var sending = _running.Values.Where(a => !a.HoldsSlot).CountBy(a => a.Node).ToDictionary();
            foreach (var attempt in _running.Values.Where(a => a.HoldsSlot && a.Counted.IsCompleted))
            {
                int onTheWay = sending.GetValueOrDefault(attempt.Node);
                if (onTheWay < _known.GetValueOrDefault(attempt.Node))
                {
                    attempt.HoldsSlot = false;
                    _busy[attempt.Node]--;
                    sending[attempt.Node] = onTheWay + 1;
                }
            }
        }

        /// <summary>Publishes every node seen in this job, alive or not, with its tasks running and done.</summary>
        private void PublishNodes(Dictionary<SiloAddress, int> live)
        {
            foreach (var (node, slots) in live)
            {
                if (!_known.ContainsKey(node))
                {
                    _known[node] = slots;
                    _order.Add(node);
                }
            }

            executor.Publish([.. _order.Select(n => new NodeStatus(n.ToParsableString(), _known[n], _busy.GetValueOrDefault(n), _done.GetValueOrDefault(n), live.ContainsKey(n)))]);
        }

        /// <summary>Sends queued tasks to the nodes with the most free slots, skipping the node a task just failed on when another is free.</summary>
        private void Assign(LinkedList<(SourceTask Task, DateTime NotBefore, SiloAddress? Avoid)> queue, Dictionary<SiloAddress, int> nodes, DateTime now)
        {
            var entry = queue.First;
            while (entry is not null)
            {
                var next = entry.Next;
                var (task, notBefore, avoid) = entry.Value;
                if (task.Token.IsCancellationRequested)
                {
                    queue.Remove(entry);
                }
                else if (notBefore <= now)
                {
                    var free = FreestNode(nodes, _busy, avoid);
                    if (free is null)
                    {
                        return;
                    }

                    queue.Remove(entry);
                    Start(task, free);
                }

                entry = next;
            }
        }

        private void Start(SourceTask task, SiloAddress node)
        {
            int number = _attempts.GetValueOrDefault(task.Index);
            _attempts[task.Index] = number + 1;
            _busy[node] = _busy.GetValueOrDefault(node) + 1;
            task.Begin();
            var attempt = new Attempt(task, node, number, _deaths.For(node));
            _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.Started, task.Name, node.ToParsableString(), number, ""));
            _running[Task.Run(() => RunAttemptAsync(attempt))] = attempt;
        }

        private void Handle(Attempt attempt, AttemptResult result, LinkedList<(SourceTask Task, DateTime NotBefore, SiloAddress? Avoid)> queue)
        {
            var task = attempt.Task;
            string node = attempt.Node.ToParsableString();
            switch (result.Kind)
            {
                case AttemptKind.Outcome:
                    var rejects = run.CreateRejectSink(task, 0);
                    foreach (var row in result.Rejected)
                    {
                        rejects?.Add(row.Line, row.Reason, row.Text);
                    }

                    if (result.Figures is { } figures)
                    {
                        task.SetFigures(figures);
                    }

                    var outcome = result.Error is { } error
                        ? SourceOutcome.Failed(error, result.IsBroken)
                        : SourceOutcome.Counted([result.Table!], rejects is null ? null : [rejects], result.Format);
                    if (!task.Complete(outcome))
                    {
                        run.DiscardRejects(rejects);

                        // A late attempt's run is never read: only the accepted one is.
                        if (result.Run is { } late)
                        {
                            DeleteQuietly(late.Path);
                        }
                    }
                    else if (result.Run is { } accepted)
                    {
                        Runs[task.Index] = accepted;
                    }
                    else if (result.Error is not null)
                    {
                        if (result.IsBroken && run.Settings.BrokenSources == BrokenSourcePolicy.Skip)
                        {
                            _leftOut.Add(task.Index);
                        }
                        else
                        {
                            _jobFails = true;
                        }
                    }

                    _done[attempt.Node] = _done.GetValueOrDefault(attempt.Node) + 1;
                    _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.Completed, task.Name, node, attempt.Number, "") { TableBytes = result.TableBytes, TableTime = result.TableTime });
                    break;

                case AttemptKind.Cancelled:
                    break;

                case AttemptKind.Rejected:
                    // Not the task's fault nor the node's: a dead silo not yet declared dead owns a
                    // part of the directory. Pause, growing to 2 s, and retry; never counted.
                    _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.Rejected, task.Name, node, attempt.Number, result.Reason));
                    task.BeginRetry();
                    int pause = Math.Min(2000, 250 << Math.Min(3, attempt.Number));
                    queue.AddFirst((task, DateTime.UtcNow.AddMilliseconds(pause), attempt.Node));
                    break;

                case AttemptKind.Lost:
                    _options.Events?.Invoke(new ClusterEvent(ClusterEventKind.Lost, task.Name, node, attempt.Number, result.Reason));
                    int failures = _failures.GetValueOrDefault(task.Index) + 1;
                    _failures[task.Index] = failures;
                    if (failures >= _options.MaxAttempts)
                    {
                        task.Complete(SourceOutcome.Failed(new TallyWorkerException(task.Name, $"gave up after {failures} attempts on cluster nodes; the last on node {node}: {result.Reason}"), broken: false));
                        _jobFails = true;
                        break;
                    }

                    task.BeginRetry();
                    queue.AddFirst((task, DateTime.MinValue, attempt.Node));
                    break;
            }
        }

        /// <summary>One attempt: the grain call, its stream of reports, the table decoded as it arrives.</summary>
        private async Task<AttemptResult> RunAttemptAsync(Attempt attempt)
        {
            var task = attempt.Task;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(task.Token, _stop.Token);
            using var stalled = new StallTimer(_options.StallTimeout);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, stalled.Token, attempt.NodeDead);
            var order = TaskOrder.For(task, run.Settings);
            if (executor.Options.Reduce is { } reduce)
            {
                // Each attempt writes a file of its own, so a late or zombie attempt never
                // overwrites the run another attempt had accepted.
                order = order with { RunPath = RunPath(reduce, _job, task.Index, attempt.Number), SampleSize = reduce.SampleSizeFor(run.Tasks.Count) };
            }

            var rejected = new List<RejectedRow>();
            Pipe? pipe = null;
            Task<Aggregation.CountTable>? decoding = null;
            long tableBytes = 0;
            long tableStart = 0;
            NodeStream<TaskReport>? stream = null;
            try
            {
                // The hint places the fresh activation on the chosen node (every built-in placement
                // director honours it); the key is fresh per attempt so a retry never resolves to an
                // activation on a node that died. The stream's first message goes out at the first
                // MoveNext, not here, so the hint stays set for the whole attempt: this runs in a
                // flow of its own (Task.Run), so the setting reaches no other call.
                RequestContext.Set(IPlacementDirector.PlacementHintKey, attempt.Node);
                var reports = grains.GetGrain<IMapTaskGrain>($"{_job}/{task.Index}/{attempt.Number}").CountAsync(order, either.Token);

                // At most 8 reports per message: a batch of table chunks stays near 8 MiB.
                stream = new NodeStream<TaskReport>(reports.WithBatchSize(8).GetAsyncEnumerator(either.Token));
                while (await stream.MoveNextAsync(either.Token).ConfigureAwait(false))
                {
                    var report = stream.Current;
                    stalled.Report(report.Kind == ReportKind.Progress, report.Work);

                    switch (report.Kind)
                    {
                        case ReportKind.Progress:
                            task.SetFigures(report.Figures.ToSourceFigures());
                            break;
                        case ReportKind.Rejected:
                            rejected.Add(new RejectedRow(report.Line, report.Reason ?? "", report.Data ?? []));
                            break;
                        case ReportKind.Chunk:
                            if (pipe is null)
                            {
                                attempt.SetCounted();
                                // Decoded while it arrives, with at most a few MiB in flight.
                                pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20, useSynchronizationContext: false));
                                var reader = pipe.Reader;
                                decoding = Task.Run(() =>
                                {
                                    using var stream = reader.AsStream();
                                    return CountTableCodec.Read(stream);
                                }, CancellationToken.None);
                                tableStart = System.Diagnostics.Stopwatch.GetTimestamp();
                            }

                            tableBytes += report.Data?.Length ?? 0;
                            await pipe.Writer.WriteAsync(report.Data, either.Token).ConfigureAwait(false);
                            break;
                        case ReportKind.Done:
                            Aggregation.CountTable table;
                            if (pipe is null)
                            {
                                table = new Aggregation.CountTable();
                            }
                            else
                            {
                                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
                                table = await decoding!.ConfigureAwait(false);
                            }

                            var tableTime = tableStart == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(tableStart);
                            return AttemptResult.Counted(table, report.Figures.ToSourceFigures(), rejected) with { TableBytes = tableBytes, TableTime = tableTime, Format = report.Format };
                        case ReportKind.Run:
                            // The table stayed on the node's shared storage: an empty one stands
                            // for it in the job, which then carries the figures and no totals.
                            return AttemptResult.Counted(new Aggregation.CountTable(), report.Figures.ToSourceFigures(), rejected)
                                with
                            { Run = (order.RunPath!, Reduce.RunSummary.Decode(report.Data ?? [])), Format = report.Format };
                        case ReportKind.Failed:
                            return AttemptResult.Failed(report.ToException(attempt.Node.ToParsableString(), order.MapStep), report.IsBroken, report.Figures.ToSourceFigures());
                    }
                }

                return AttemptResult.Lost("the node's stream ended without a result");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return AttemptResult.Cancelled;
            }
            catch (OperationCanceledException) when (attempt.NodeDead.IsCancellationRequested)
            {
                return AttemptResult.Lost("the node was declared dead");
            }
            catch (OperationCanceledException) when (stalled.IsStalled)
            {
                return AttemptResult.Lost($"no progress for {_options.StallTimeout.TotalSeconds:0.#} s");
            }
            catch (OrleansMessageRejectionException e) when (e is not SiloUnavailableException || membership.LiveNodes(self).ContainsKey(attempt.Node))
            {
                // Also "silo unavailable" while the attempt's own node is still active: another
                // silo, dying, held the directory entry or the connection. Not the task's failure.
                return AttemptResult.RejectedCall(FirstLine(e.Message));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // SiloUnavailableException (the node was declared dead), a timeout, a broken
                // enumeration, a table that does not decode: the attempt is lost, the source reruns.
                var inner = e.GetBaseException();
                return AttemptResult.Lost($"{inner.GetType().Name}: {FirstLine(inner.Message)}");
            }
            finally
            {
                stream?.Abandon();

                if (pipe is not null)
                {
                    await pipe.Writer.CompleteAsync(new OperationCanceledException()).ConfigureAwait(false);
                    if (decoding is not null)
                    {
                        await QuietlyAsync(decoding).ConfigureAwait(false);
                    }
                }
            }
        }

        private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
    }

    /// <summary>The nodes this silo knows of: its own membership view and cluster manifest, read with no call, so reading cannot hang.</summary>
    private sealed class Membership(IClusterMembershipService membership, IClusterManifestProvider manifests)
    {
        private static readonly GrainType s_mapTask = GrainType.Create(Tally.Cluster.Nodes.MapTaskGrain.TypeName);

        /// <summary>Nodes of this coordinator's version in the table that have not finished leaving.</summary>
        public List<SiloAddress> NodesNotDead(SiloAddress self)
            => [.. membership.CurrentSnapshot.Members
                .Where(m => !m.Key.Equals(self) && m.Value.Status != SiloStatus.Dead && IsOwnNode(m.Value.Name, out _))
                .Select(m => m.Key)];

        /// <summary>Active nodes that speak another <see cref="ClusterProtocol"/> (another tally version): never sent a task.</summary>
        public List<(SiloAddress Node, int Protocol)> Strangers(SiloAddress self)
            => [.. membership.CurrentSnapshot.Members
                .Where(m => m.Value.Status == SiloStatus.Active && !m.Key.Equals(self))
                .Select(m => (m.Key, Parsed: NodeName.TryParseNode(m.Value.Name, out _, out int protocol) ? protocol : 0))
                .Where(m => m.Parsed != 0 && m.Parsed != ClusterProtocol.Version)];

        /// <summary>Whether the silo named <paramref name="name"/> is a node of this coordinator's version, and its slots.</summary>
        private static bool IsOwnNode(string? name, out int slots)
            => NodeName.TryParseNode(name, out slots, out int protocol) && protocol == ClusterProtocol.Version;

        /// <summary>Whether membership has declared <paramref name="node"/> dead.</summary>
        public bool IsDead(SiloAddress node) => membership.CurrentSnapshot.GetSiloStatus(node) == SiloStatus.Dead;

        /// <summary>Active nodes of this coordinator's version and their slots; a node counts once its manifest, which says it hosts map tasks, has arrived here.</summary>
        public Dictionary<SiloAddress, int> LiveNodes(SiloAddress self)
        {
            var silos = manifests.Current.Silos;
            var nodes = new Dictionary<SiloAddress, int>();
            foreach (var (address, member) in membership.CurrentSnapshot.Members)
            {
                if (member.Status == SiloStatus.Active && !address.Equals(self) && IsOwnNode(member.Name, out int slots)
                    && silos.TryGetValue(address, out var manifest) && manifest.Grains.ContainsKey(s_mapTask))
                {
                    nodes[address] = slots;
                }
            }

            return nodes;
        }
    }

    /// <summary>One attempt at a source on a node.</summary>
    /// <remarks>
    /// An attempt holds one of its node's slots while the node counts, not while the table it
    /// counted travels and is decoded here. That took 0.1-0.2 s a source (15.8 MB, 1.2 M keys), in
    /// which the slot counted nothing: a node of 2 slots counting 6 sources lost it twice on its way
    /// to the last source. So the slot is freed at the table's first chunk, and a node then runs up
    /// to twice as many attempts as it has slots, as many counting as sending (the dispatch loop's
    /// FreeCountedSlots). The cost is memory: a table being sent beside each table being counted.
    /// Measured with the coordinator on a core of its own, as on a cluster of machines, a node of
    /// one slot counted six large sources in 0.94x the time. The attempt still ends, and its
    /// outcome is accepted or not, only at its last report. With --reduce-on-nodes the node writes
    /// the run to shared storage (sorting the table: the map's own work) before any report, so that
    /// attempt keeps its slot to the end.
    /// </remarks>
    private sealed record Attempt(SourceTask Task, SiloAddress Node, int Number, CancellationToken NodeDead)
    {
        private readonly TaskCompletionSource _counted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the node has counted the source and begun to send its table.</summary>
        public Task Counted => _counted.Task;

        /// <summary>Whether the attempt still takes one of its node's slots; read and written by the dispatch loop alone.</summary>
        public bool HoldsSlot { get; set; } = true;

        /// <summary>Called from the attempt's own flow; the dispatch loop sees it at its next turn.</summary>
        public void SetCounted() => _counted.TrySetResult();
    }

    private enum AttemptKind
    {
        Outcome,
        Cancelled,
        Rejected,
        Lost,
    }

    private sealed record AttemptResult(AttemptKind Kind, Aggregation.CountTable? Table = null, Exception? Error = null, bool IsBroken = false,
        SourceFigures? Figures = null, IReadOnlyList<RejectedRow>? RejectedRows = null, string Reason = "")
    {
        public static readonly AttemptResult Cancelled = new(AttemptKind.Cancelled);

        public IReadOnlyList<RejectedRow> Rejected => RejectedRows ?? [];

        /// <summary>The encoded table's size and the time from its first chunk to its last, decoded: the transfer figures of <c>--verbose</c>.</summary>
        public long TableBytes { get; init; }

        public TimeSpan TableTime { get; init; }

        /// <summary>The format the node read the source in (the map step's identity; <c>auto</c> decides per file), as a local count reports it.</summary>
        public string? Format { get; init; }

        /// <summary>With <c>--reduce-on-nodes</c>: where the attempt wrote its run, and its summary.</summary>
        public (string Path, Reduce.RunSummary Summary)? Run { get; init; }

        public static AttemptResult Counted(Aggregation.CountTable table, SourceFigures figures, IReadOnlyList<RejectedRow> rejected) => new(AttemptKind.Outcome, table, Figures: figures, RejectedRows: rejected);

        public static AttemptResult Failed(Exception error, bool broken, SourceFigures figures) => new(AttemptKind.Outcome, Error: error, IsBroken: broken, Figures: figures);

        public static AttemptResult Lost(string reason) => new(AttemptKind.Lost, Reason: reason);

        public static AttemptResult RejectedCall(string reason) => new(AttemptKind.Rejected, Reason: reason);
    }
}
