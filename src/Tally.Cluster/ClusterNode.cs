using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Tally.Cluster.Nodes;
using Tally.Mapping;
using Tally.Output;

namespace Tally.Cluster;

/// <summary>What a node joins, where it listens, what it may read and how much it runs at once.</summary>
public sealed record NodeOptions
{
    /// <summary>The cluster: a coordinator's <c>HOST:PORT</c>, or <c>redis://HOST:PORT</c>.</summary>
    public required ClusterAddress Cluster { get; init; }

    /// <summary>Where the node listens (default loopback, a free port); other machines reach it there.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Folders the node may read; a task for a path outside them fails with an input error.</summary>
    public required IReadOnlyList<string> Allow { get; init; }

    /// <summary>Tasks run at once.</summary>
    public int Slots { get; init; } = Environment.ProcessorCount;

    /// <summary>Mutual TLS with the coordinator and the other nodes (it must match theirs); null: plain TCP.</summary>
    public ClusterTls? Tls { get; init; }

    /// <summary>The formats this node's reducers can write <c>--reduce-on-nodes</c> parts in, by name; default the built-in text formats (tsv, csv, jsonl).</summary>
    /// <remarks>The tally command passes every format its <c>-o</c> writes, Parquet and SQLite included.</remarks>
    public OutputFormatRegistry OutputFormats { get; init; } = OutputFormatRegistry.WithBuiltIns();
}

/// <summary>
/// A worker node: an Orleans silo that runs map tasks. It outlives jobs: when a job's coordinator
/// leaves, the node leaves that cluster and waits for the next coordinator at the same address.
/// </summary>
public static class ClusterNode
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a node leaving after a job lets its silo stop gracefully; see <see cref="ServeOneClusterAsync"/>.</summary>
    private static readonly TimeSpan s_leaveGrace = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// How often a waiting node tries the coordinator's port: every job's start waits for this, so
    /// it is short (a refused connect on loopback or a LAN costs microseconds and one packet).
    /// </summary>
    private static readonly TimeSpan s_coordinatorPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>How far apart nodes that served the last job rejoin a fixed coordinator; see <see cref="JoinDelay"/>.</summary>
    internal static TimeSpan JoinSpacing { get; } = TimeSpan.FromMilliseconds(350);

    /// <summary>The most nodes spread out: past that, one rejoin delay would cost more than the collisions it avoids.</summary>
    internal const int JoinSpread = 8;

    /// <summary>Serves map tasks until <paramref name="cancellationToken"/> is cancelled, then leaves the cluster cleanly.</summary>
    /// <param name="options">The cluster, address, roots and slots.</param>
    /// <param name="registry">The map steps the node can run, by name.</param>
    /// <param name="log">Told of joins and leaves, one line each; may be null.</param>
    /// <param name="cancellationToken">Stops the node.</param>
    public static async Task RunAsync(NodeOptions options, MapStepRegistry registry, Action<string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Slots, 1);
        var listen = options.Listen.Port == 0 ? new IPEndPoint(options.Listen.Address, ClusterAddress.FreePort(options.Listen.Address)) : options.Listen;
        var settings = new NodeSettings(listen.ToString(), options.Allow, registry, options.OutputFormats);
        var refused = Once(log);

        // The nodes of the last job, this one among them, in the order each of them sees: this
        // node's place in it spaces its next join from the others' (JoinDelay).
        IReadOnlyList<string> lastNodes = [];
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!options.Cluster.IsRedis)
                {
                    await WaitForCoordinatorAsync(options.Cluster.EndPoint, cancellationToken).ConfigureAwait(false);
                    if (await WaitForCoordinatorToGoAsync(options.Cluster.EndPoint, JoinDelay(lastNodes, listen.ToString()), cancellationToken).ConfigureAwait(false))
                    {
                        // That coordinator left while this node waited its turn (a short job, done
                        // before every node joined): joined now, it would meet the next one's table.
                        continue;
                    }

                    lastNodes = [];
                    if (await TlsDiffersAsync(options, refused, cancellationToken).ConfigureAwait(false))
                    {
                        await WaitForSilenceAsync(options.Cluster.EndPoint, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                if (await ServeOneClusterAsync(options, listen, settings, log, refused, nodes => lastNodes = nodes, cancellationToken).ConfigureAwait(false) is { } silence)
                {
                    // Told, and out of the cluster now: the coordinator, which waited for that, is
                    // closing its port. Wait until it has, so the node joins the next coordinator and
                    // not this one again.
                    await silence.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The coordinator went away while this node joined, or refused it: wait for the next.
                log?.Invoke($"could not join {options.Cluster}: {e.GetType().Name}: {e.Message.Split('\n', 2)[0]}; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Joins the cluster and serves it until its coordinator leaves or the node is stopped; when the coordinator said it was leaving, a task that ends once its port has closed.</summary>
    /// <remarks>
    /// The node leaves (stops its silo) before it returns, and the caller waits for the coordinator's
    /// port to close only after that: the coordinator holds its port until its nodes are out, so a
    /// node that waited for the port while still in the cluster made both wait out their 30 s limits.
    /// The port is watched from the moment the node is told, though, beside the leaving: it closes as
    /// soon as the table says the node is dead, while the node's own stop may take seconds more on a
    /// loaded machine; a watch begun only after the stop could miss the closed port (the next job's
    /// coordinator already listening at the same address) and wait out its 30 s.
    /// </remarks>
    private static async Task<Task?> ServeOneClusterAsync(NodeOptions options, IPEndPoint listen, NodeSettings settings, Action<string>? log, Action<string>? refused,
        Action<IReadOnlyList<string>> served, CancellationToken cancellationToken)
    {
        var signals = new NodeSignals();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Declared dead: this silo is finished, the process is not; a new silo joins (see FatalErrorSignal).
        void Rejoining() => log?.Invoke($"node {listen}: {signals.Fatal.Task.Result}; leaving and joining {options.Cluster} again");
        var host = SiloHost.Build(options.Cluster, listen, NodeName.Format(options.Slots), hostsTasks: true,
            services => services.AddSingleton(settings).AddSingleton(signals).AddSingleton<IFatalErrorHandler>(new FatalErrorSignal(signals.Fatal)),
            options.Tls, refused);
        try
        {
            var starting = host.StartAsync(cancellationToken);
            if (await Task.WhenAny(starting, signals.Fatal.Task).ConfigureAwait(false) != starting)
            {
                // Voted dead while still joining (two nodes' writes to the membership table crossed):
                // the start may never finish, so it is stopped (finally), and a new silo tries again.
                log?.Invoke($"node {listen}: {signals.Fatal.Task.Result} while joining; joining {options.Cluster} again");
                _ = starting.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return null;
            }

            await starting.ConfigureAwait(false);
            log?.Invoke($"node {listen} joined {options.Cluster} with {options.Slots} slot{(options.Slots == 1 ? "" : "s")}");
            _ = WarnOfOtherVersionsAsync(host.Services.GetRequiredService<IClusterMembershipService>(), listen, log, stopWatching.Token);
            if (options.Cluster.IsRedis)
            {
                await Task.WhenAny(Task.Delay(Timeout.Infinite, cancellationToken), signals.Fatal.Task).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                Rejoining();
                return null;
            }

            var membership = host.Services.GetRequiredService<IClusterMembershipService>();
            SiloAddress? primary = null;
            int unreachable = 0;
            while (true)
            {
                // Woken at once when told: every job's end waits for its nodes to leave.
                await Task.WhenAny(Task.Delay(s_poll, cancellationToken), signals.CoordinatorLeaving.Task, signals.Fatal.Task).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (signals.Fatal.Task.IsCompleted)
                {
                    // Declared dead (hung past the probes, or voted out while joining): this silo is
                    // finished, the process is not. A new one joins the coordinator if it is still there.
                    Rejoining();
                    return null;
                }

                var snapshot = membership.CurrentSnapshot;
                primary ??= snapshot.Members.Keys.FirstOrDefault(a => a.Endpoint.Equals(options.Cluster.EndPoint));

                // The coordinator left cleanly (marked dead), or its port stopped answering (it was
                // killed, and the table it held went with it, so nobody can mark it dead).
                bool told = signals.CoordinatorLeaving.Task.IsCompleted;
                bool gone = told || primary is not null && snapshot.GetSiloStatus(primary) is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping;
                unreachable = await ClusterAddress.AnswersAsync(options.Cluster.EndPoint, cancellationToken).ConfigureAwait(false) ? 0 : unreachable + 1;
                if (gone || unreachable >= 3)
                {
                    served(JobNodes(snapshot));
                    log?.Invoke($"node {listen}: the coordinator at {options.Cluster} left; waiting for the next");
                    return told ? WaitForSilenceAsync(options.Cluster.EndPoint, cancellationToken) : null;
                }
            }
        }
        finally
        {
            await stopWatching.CancelAsync().ConfigureAwait(false);

            // Short: a node must be out of this cluster before the next coordinator comes up, and
            // the coordinator holds its job's end until its nodes are out. Leaving after a job (not
            // told to stop), the graceful part is cut to a moment: deactivating this silo's grains
            // (finished tasks, the coordinator's calls) unregisters each from its directory owner,
            // and when the owner is another node leaving at the same time, that call waited until
            // the node was voted dead (2.8 s, seen in a job of three nodes on one machine).
            // Nothing of a grain here outlives the job, and this cluster's directory goes with it.
            var graceful = cancellationToken.IsCancellationRequested ? (TimeSpan?)null : s_leaveGrace;
            if (!await SiloHost.StopAsync(host, TimeSpan.FromSeconds(5), graceful).ConfigureAwait(false))
            {
                log?.Invoke($"node {listen}: its silo did not stop within 5 s (is {options.Cluster} reachable?); given up on");
            }
        }
    }

    /// <summary>
    /// How long a node waits, once the next coordinator's port answers, before it joins: its place
    /// among <paramref name="lastNodes"/> (the nodes of the job before, itself among them) times
    /// <see cref="JoinSpacing"/>, and nothing for a node that was not among them.
    /// </summary>
    /// <remarks>
    /// Every write to the membership table carries the table's version and fails when another
    /// write landed since the writer read it; Orleans retries a lost write only after 2-4 s, a
    /// backoff it does not let us set. Nodes that outlive a job all see the next coordinator's port
    /// open within one poll and start alike, so their joins (a "joining" and an "active" row each,
    /// 50-130 ms apart, after a silo start whose length varies by 0.1 s) met: a small job took
    /// 0.7-4.5 s (median 3.7 s) on three nodes, 0.6 s on one; in turn, 1.2-1.3 s (JoinSpacing at
    /// 0.2 s still let one job in four collide). A random delay was tried and dropped (it cost a
    /// lone node as much as it saved three).
    /// A place in the last job's node list is the same for every node that saw the same list, and
    /// distinct, so their joins follow each other without meeting, and a lone node waits for
    /// nothing. A node new to the cluster, or one the others did not see, joins at once, as before.
    /// Past <see cref="JoinSpread"/> places the delays start again from nothing: many nodes
    /// rejoining a fixed coordinator for every job are better served by a standing cluster.
    /// </remarks>
    internal static TimeSpan JoinDelay(IReadOnlyList<string> lastNodes, string self)
    {
        ArgumentNullException.ThrowIfNull(lastNodes);
        for (int place = 1; place < lastNodes.Count; place++)
        {
            if (lastNodes[place] == self)
            {
                return JoinSpacing * (place % JoinSpread);
            }
        }

        return TimeSpan.Zero;
    }

    /// <summary>
    /// The nodes (of any version) in <paramref name="snapshot"/>, a fixed coordinator's table and so
    /// this job's alone, by address: the same list on every node that saw every join. The dead count
    /// too: nodes leave at once at a job's end, and one that saw another's leaving already written
    /// would otherwise leave it out and take its place.
    /// </summary>
    internal static List<string> JobNodes(ClusterMembershipSnapshot snapshot)
        => [.. snapshot.Members.Values
            .Where(m => NodeName.TryParseNode(m.Name, out _, out _))
            .Select(m => m.SiloAddress.Endpoint.ToString())
            .Distinct()
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Says once per coordinator, through <paramref name="log"/>, when one of another tally version
    /// (another <see cref="ClusterProtocol"/>) is in the cluster: it leaves this node out, and
    /// whoever watches the node's log sees why it sits idle. Ends when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    private static async Task WarnOfOtherVersionsAsync(IClusterMembershipService membership, IPEndPoint listen, Action<string>? log, CancellationToken cancellationToken)
    {
        var told = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                foreach (var (address, member) in snapshot.Members)
                {
                    if (member.Status == SiloStatus.Active && NodeName.TryParseCoordinator(member.Name, out int protocol) && protocol != ClusterProtocol.Version && told.Add(address))
                    {
                        log?.Invoke($"node {listen}: the coordinator at {address.Endpoint} runs another tally version (cluster protocol {protocol}, this node's {ClusterProtocol.Version}) and will not use this node; run the same tally version on every machine");
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The silo stopped: so does the watch.
        }
    }

    /// <summary>Whether the coordinator plainly speaks TLS when this node does not, or the other way round; if so, says so through <paramref name="log"/>.</summary>
    /// <remarks>Such a node would sit in a join that neither succeeds nor fails for minutes, and say nothing.</remarks>
    private static async Task<bool> TlsDiffersAsync(NodeOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        var (answer, certificate) = await TlsProbe.ProbeAsync(options.Cluster.EndPoint, cancellationToken).ConfigureAwait(false);
        if (answer == TlsProbe.Answer.Tls && options.Tls is null)
        {
            log?.Invoke($"cannot join {options.Cluster}: the coordinator requires TLS (it presents {certificate?.Subject}, issued by {certificate?.Issuer}) and this node has no --tls-certificate; waiting for the next coordinator");
            return true;
        }

        if (answer == TlsProbe.Answer.Plain && options.Tls is not null)
        {
            log?.Invoke($"cannot join {options.Cluster}: the coordinator does not speak TLS and this node has a --tls-certificate; waiting for the next coordinator");
            return true;
        }

        return false;
    }

    /// <summary>
    /// <paramref name="log"/>, saying each refusal once in a row: a node that cannot join retries
    /// every second or so, and the same refusal each time would bury every other line.
    /// </summary>
    private static Action<string>? Once(Action<string>? log)
    {
        if (log is null)
        {
            return null;
        }

        string? last = null;
        var gate = new Lock();
        return line =>
        {
            lock (gate)
            {
                if (line == last)
                {
                    return;
                }

                last = line;
            }

            log(line);
        };
    }

    private static async Task WaitForCoordinatorAsync(IPEndPoint coordinator, CancellationToken cancellationToken)
    {
        while (!await ClusterAddress.AnswersAsync(coordinator, cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(s_coordinatorPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits, 30 s at most, until the coordinator that listens at <paramref name="coordinator"/> now has gone.</summary>
    internal static Task WaitForSilenceAsync(IPEndPoint coordinator, CancellationToken cancellationToken)
        => WaitForCoordinatorToGoAsync(coordinator, TimeSpan.FromSeconds(30), cancellationToken);

    /// <summary>Waits <paramref name="limit"/> at most for the coordinator that listens at <paramref name="coordinator"/> now to go: whether it went.</summary>
    /// <remarks>
    /// A silo answers a connection with its preamble and holds it open until it stops, so one
    /// connection opened now ends when this coordinator goes, however soon the next one listens at
    /// the same port. Polling for a refused connection, every 50 ms, missed gaps shorter than that
    /// (the next job's coordinator started in the same process): the node then waited out the 30 s,
    /// and so did a next job that needed it. A port that stops answering at all (its machine gone)
    /// is still seen by polling, once a second while the connection is silent.
    /// </remarks>
    private static async Task<bool> WaitForCoordinatorToGoAsync(IPEndPoint coordinator, TimeSpan limit, CancellationToken cancellationToken)
    {
        if (limit <= TimeSpan.Zero)
        {
            return false;
        }

        var deadline = DateTime.UtcNow + limit;
        using var socket = await ClusterAddress.ConnectAsync(coordinator, cancellationToken).ConfigureAwait(false);
        if (socket is null)
        {
            // Refused, or nothing accepted within a second: the coordinator has gone.
            return true;
        }

        try
        {
            var buffer = new byte[512];
            while (deadline - DateTime.UtcNow is { } left && left > TimeSpan.Zero)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quiet.CancelAfter(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
                try
                {
                    if (await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token).ConfigureAwait(false) == 0)
                    {
                        return true;
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    if (DateTime.UtcNow < deadline && !await ClusterAddress.AnswersAsync(coordinator, cancellationToken).ConfigureAwait(false))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
        catch (SocketException)
        {
            // Reset: the coordinator has gone.
            return true;
        }
    }
}
