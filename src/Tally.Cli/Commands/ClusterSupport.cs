using System.CommandLine;
using System.Globalization;
#if TALLY_CLUSTER
using Tally.Cluster;
using Tally.Mapping;
#endif
using Tally.Cli.Rendering;
using Tally.Execution;

namespace Tally.Cli.Commands;

/// <summary>
/// The one place the CLI meets the cluster assembly. The trimmed release build has no cluster
/// (Orleans does not survive trimming), so there every cluster command fails with one clear line.
/// </summary>
internal static class ClusterSupport
{
    public const string Missing = "this build of tally has no cluster support (the trimmed release build leaves Orleans out); "
        + "use an untrimmed build: dotnet publish src/Tally.Cli -c Release -o DIR";

    /// <summary><c>--tls-certificate</c>, the same for <c>node</c>, <c>count</c> and <c>series</c>.</summary>
    public static Option<string?> TlsCertificateOption() => new("--tls-certificate")
    {
        Description = "With a cluster: mutual TLS between coordinator and nodes, with this member's certificate and private key: a PKCS#12 file (.pfx, .p12; its password "
            + "from the environment variable TALLY_TLS_PASSWORD) or a PEM file holding both. Every member needs one: without --tls-ca, the same one.",
    };

    /// <summary><c>--tls-ca</c>, the same for <c>node</c>, <c>count</c> and <c>series</c>.</summary>
    public static Option<string?> TlsCaOption() => new("--tls-ca")
    {
        Description = "With --tls-certificate: the cluster's CA certificate (PEM or DER); a peer is accepted only if its certificate was issued by it "
            + "(default: only if it is the same certificate as this member's).",
    };

    /// <summary>The TLS files as given; both null for plain TCP.</summary>
    public sealed record TlsFiles(string? Certificate, string? Authority)
    {
        /// <summary>Fails with a usage error (exit 2) for a CA without a certificate.</summary>
        public void Validate()
        {
            if (Certificate is null && Authority is not null)
            {
                throw new UsageException($"--tls-ca {Authority} needs --tls-certificate: a member presents its own certificate, issued by that CA");
            }
        }
    }

    /// <summary>Parses <c>--join-timeout</c>: seconds, or a number with s, m or h.</summary>
    public static TimeSpan ParseDuration(string flag, string text)
    {
        double factor = text.EndsWith('h') ? 3600 : text.EndsWith('m') ? 60 : 1;
        string number = text.TrimEnd('s', 'm', 'h');
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value <= 0 || value * factor > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new UsageException($"{flag} {text}: expected a duration such as 30, 30s, 5m or 1h");
        }

        return TimeSpan.FromSeconds(value * factor);
    }

    /// <summary>The cluster executor for <c>count --cluster ADDRESS</c>; its nodes are shown through <paramref name="lines"/>, and what happens to each task is told to <paramref name="verbose"/> (<c>--verbose</c>), when given.</summary>
    public static Executor CreateExecutor(string cluster, int nodes, TimeSpan joinTimeout, NodeLines? lines = null, Action<string>? verbose = null, TlsFiles? tls = null, ReduceOnNodes.Request? reduce = null, string? listen = null)
    {
#if TALLY_CLUSTER
        ClusterAddress address;
        try
        {
            address = ClusterAddress.Parse(cluster);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--cluster {cluster}: {e.Message}; expected HOST:PORT or redis://HOST:PORT");
        }

        System.Net.IPEndPoint? endpoint = null;
        try
        {
            endpoint = listen is null ? null : ClusterAddress.ParseEndPoint(listen);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--listen {listen}: {e.Message}");
        }

        var executor = new ClusterExecutor(new ClusterExecutorOptions
        {
            Cluster = address,
            Listen = endpoint,
            Nodes = nodes,
            JoinTimeout = joinTimeout,
            StallTimeout = EnvironmentSeconds("TALLY_CLUSTER_STALL_SECONDS") ?? TimeSpan.FromSeconds(60),
            NodesGoneGrace = EnvironmentSeconds("TALLY_CLUSTER_GRACE_SECONDS") ?? TimeSpan.FromSeconds(15),
            Events = verbose is null ? null : e => verbose(Describe(e)),
            Tls = LoadTls(tls),
            Reduce = reduce is null ? null : new ClusterReduce { Parts = reduce.Parts, Directory = reduce.Directory, Format = reduce.Format },
        });
        lines?.Attach(() => [.. executor.Nodes.Select(n => new NodeLine(n.Address, n.Slots, n.Running, n.Done, n.IsAlive))]);
        reduce?.Attach(() => executor.Reduced is { } parts ? new ReduceOnNodes.Written(parts.Directory, parts.Parts.Count, parts.Keys, parts.Bytes) : null);
        reduce?.AttachStatus(() => executor.ReduceProgress is { } now ? (now.Parts, now.Running, now.Written) : null);
        return executor;
#else
        _ = (cluster, nodes, joinTimeout, lines, verbose, tls, reduce, listen);
        throw new TallyInputException(Missing);
#endif
    }

    /// <summary><c>tally node</c>: serves map tasks until cancelled.</summary>
    public static async Task<int> RunNodeAsync(CliEnvironment environment, string? join, string? membership, string? listen, string[] allow, int slots, TlsFiles tls, CancellationToken cancellationToken)
    {
#if TALLY_CLUSTER
        if ((join is null) == (membership is null))
        {
            throw new UsageException("tally node: give one of --join HOST:PORT or --membership redis://HOST:PORT");
        }

        ClusterAddress cluster;
        System.Net.IPEndPoint endpoint;
        try
        {
            cluster = ClusterAddress.Parse(join ?? membership!);
        }
        catch (FormatException e)
        {
            throw new UsageException($"{(join is null ? "--membership" : "--join")} {join ?? membership}: {e.Message}");
        }

        if (membership is not null && !cluster.IsRedis)
        {
            throw new UsageException($"--membership {membership}: expected redis://HOST:PORT");
        }

        try
        {
            endpoint = listen is null ? new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) : ClusterAddress.ParseEndPoint(listen);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--listen {listen}: {e.Message}");
        }

        if (slots < 1)
        {
            throw new UsageException($"--slots {slots}: must be at least 1");
        }

        tls.Validate();

        string[] roots = allow.Length > 0 ? allow : [Environment.CurrentDirectory];
        foreach (string root in roots.Where(r => !Directory.Exists(r)))
        {
            throw new TallyInputException($"--allow {root}: no such folder");
        }

        var error = environment.Error;
        var options = new NodeOptions { Cluster = cluster, Listen = endpoint, Allow = roots, Slots = slots, Tls = LoadTls(tls), OutputFormats = OutputFiles.Formats };
        string security = options.Tls is { } mutual ? $" with TLS, accepting {mutual.Trust}" : " without TLS";
        await error.WriteLineAsync($"tally: node serving {string.Join(", ", roots.Select(Path.GetFullPath))}; joining {cluster}{security}").ConfigureAwait(false);
        try
        {
            await ClusterNode.RunAsync(options, MapStepRegistry.WithBuiltIns(), line =>
            {
                lock (error)
                {
                    error.WriteLine($"tally: {line}");
                    error.Flush();
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await error.WriteLineAsync("tally: node stopped").ConfigureAwait(false);
        return ExitCodes.Ok;
#else
        _ = (environment, join, membership, listen, allow, slots, tls, cancellationToken);
        await Task.CompletedTask.ConfigureAwait(false);
        throw new TallyInputException(Missing);
#endif
    }

#if TALLY_CLUSTER
    /// <summary>One <c>--verbose</c> line for a task's event; a completed one says how fast its table came back.</summary>
    internal static string Describe(ClusterEvent e)
    {
        string node = $"node {e.Node.Split('@', 2)[0]}";
        string source = TallyApp.Printable(e.Source);
        string attempt = e.Attempt > 0 ? $" (attempt {e.Attempt + 1})" : "";
        return e.Kind switch
        {
            ClusterEventKind.Started => $"{node}: started {source}{attempt}",
            // With --reduce-on-nodes the table went to shared storage: nothing came back to time.
            ClusterEventKind.Completed when e.TableBytes == 0 && e.TableTime == TimeSpan.Zero => $"{node}: finished {source}{attempt}",
            ClusterEventKind.Completed => $"{node}: finished {source}{attempt}; table {Units.Bytes(e.TableBytes)} in {Units.Seconds(e.TableTime)}"
                + (e.TableTime > TimeSpan.Zero && e.TableBytes > 0 ? $" ({Units.Bytes((long)(e.TableBytes / e.TableTime.TotalSeconds))}/s)" : ""),
            ClusterEventKind.Lost => $"{node}: lost {source}{attempt}, to run again: {e.Reason}",
            ClusterEventKind.ReduceStarted => $"{node}: reducing {source}{attempt}",
            ClusterEventKind.ReduceCompleted => $"{node}: wrote {source}{attempt}: {Units.Plural(e.Rows, "ngram")}, {Units.Bytes(e.TableBytes)}",
            ClusterEventKind.ReduceLost => $"{node}: lost reducer {source}{attempt}, to run again from the map runs: {e.Reason}",
            ClusterEventKind.NodeRefused => $"{node}: not used: {e.Reason}",
            _ => $"{node}: call for {source}{attempt} rejected, to retry: {e.Reason}",
        };
    }

    /// <summary>Loads the TLS files (exit 3 naming the file when one cannot be read); null without <c>--tls-certificate</c>.</summary>
    private static ClusterTls? LoadTls(TlsFiles? files)
    {
        if (files?.Certificate is not { } certificate)
        {
            return null;
        }

        // From the environment only: a password on the command line is in every process listing.
        string? password = Environment.GetEnvironmentVariable(ClusterTls.PasswordVariable);
        return ClusterTls.Load(certificate, files.Authority, password);
    }

    private static TimeSpan? EnvironmentSeconds(string name)
        => double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
#endif
}
