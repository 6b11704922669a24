using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Tally.Engine;

namespace Tally.Cluster.Tests;

/// <summary>
/// One standing cluster for every test: three node processes (this assembly's <see cref="NodeProgram"/>)
/// on loopback, each with 2 slots, which join whichever coordinator a test starts at <see cref="Address"/>.
/// Nodes outlive jobs, so the tests run one after another on the same nodes, as a user's would;
/// a test that kills or stops a node has it replaced before the next one.
/// </summary>
public class ClusterFixture : IDisposable
{
    public const int NodeCount = 3;

    private readonly NodeProcess?[] _nodes = new NodeProcess?[NodeCount];

    public ClusterFixture()
        : this(ClusterAddress.Parse($"127.0.0.1:{ClusterAddress.FreePort(IPAddress.Loopback)}"))
    {
    }

    /// <summary>A cluster at <paramref name="address"/>: a coordinator's, or a Redis membership table; none (no nodes) when null.</summary>
    protected ClusterFixture(ClusterAddress? address)
    {
        Directory.CreateDirectory(AllowRoot);
        Address = address!;
        if (address is null)
        {
            return;
        }

        for (int i = 0; i < NodeCount; i++)
        {
            _nodes[i] = NodeProcess.Start(Address, AllowRoot);
        }
    }

    /// <summary>The cluster's address: a coordinator's <c>HOST:PORT</c> (each test's job listens there and the nodes join it), or <c>redis://HOST:PORT</c>.</summary>
    public ClusterAddress Address { get; }

    /// <summary>The folder the nodes may read: where <see cref="Testing.TempFolder"/> puts the tests' files.</summary>
    public static string AllowRoot { get; } = Path.Combine(Path.GetTempPath(), "tally-tests");

    /// <summary>The node process listening at <paramref name="port"/>, if it is one of ours.</summary>
    public int? NodeIndexOf(string siloAddress)
    {
        for (int i = 0; i < NodeCount; i++)
        {
            if (_nodes[i] is { } node && siloAddress.StartsWith($"127.0.0.1:{node.Port}@", StringComparison.Ordinal))
            {
                return i;
            }
        }

        return null;
    }

    public NodeProcess Node(int index) => _nodes[index]!;

    /// <summary>Replaces a node that was killed or stopped by a test with a fresh one.</summary>
    public void Replace(int index)
    {
        _nodes[index]?.Dispose();
        _nodes[index] = NodeProcess.Start(Address, AllowRoot);
    }

    /// <summary>Options that run a job on the cluster: 3 nodes, and quick failure detection.</summary>
    public CountOptions Options(int workers, int blockSize, Action<ClusterEvent>? events = null, TimeSpan? stall = null, int nodes = NodeCount, TimeSpan? grace = null)
    {
        // A node that exited (declared dead after a stall under load exits, as Orleans silos do) is replaced.
        for (int i = 0; i < NodeCount; i++)
        {
            if (_nodes[i] is { HasExited: true })
            {
                Replace(i);
            }
        }

        return Create(workers, blockSize, events, stall, nodes, grace);
    }

    private CountOptions Create(int workers, int blockSize, Action<ClusterEvent>? events, TimeSpan? stall, int nodes, TimeSpan? grace) => new()
    {
        Workers = workers,
        BlockSize = blockSize,
        MaxLineLength = Math.Max(blockSize, 1 << 16),
        Executor = new ClusterExecutor(new ClusterExecutorOptions
        {
            Cluster = Address,
            Nodes = nodes,
            JoinTimeout = TimeSpan.FromSeconds(120),
            StallTimeout = stall ?? TimeSpan.FromSeconds(60),
            NodesGoneGrace = grace ?? new ClusterExecutorOptions { Cluster = Address }.NodesGoneGrace,
            Events = events,
        }),
    };

    public string Logs() => string.Join("\n", _nodes.Select((n, i) => $"node {i}:\n{n?.Log}"));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        foreach (var node in _nodes)
        {
            node?.Dispose();
        }
    }
}

/// <summary>
/// The same three node processes in a standing cluster whose membership is a table in Redis
/// (<c>tally node --membership redis://HOST:PORT</c>): they join once and stay, and each job's
/// coordinator joins them through the table. No nodes without <see cref="RedisServer"/>.
/// </summary>
public sealed class RedisClusterFixture : ClusterFixture
{
    public RedisClusterFixture()
        : base(Start())
    {
    }

    private static ClusterAddress? Start()
    {
        if (RedisServer.Address is null)
        {
            return null;
        }

        RedisServer.Flush();
        return RedisServer.Cluster;
    }
}

/// <summary>A node process of the test cluster.</summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private NodeProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _log.Enqueue(line);
            }
        };
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log => string.Join("\n", _log);

    /// <summary>Waits, up to <paramref name="limit"/>, for the node to exit and for every line it wrote to be in <see cref="Log"/>.</summary>
    /// <remarks><see cref="HasExited"/> turns true before the reader has taken the last lines off the pipe; this waits for the pipe's end too.</remarks>
    public async Task WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Starts a node of <paramref name="cluster"/>; <paramref name="tls"/> is its certificate file and, optionally, its CA file.</summary>
    public static NodeProcess Start(ClusterAddress cluster, string allow, params string[] tls)
    {
        int port = ClusterAddress.FreePort(IPAddress.Loopback);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "Tally.Cluster.Tests.dll"), "node", cluster.Text, $"127.0.0.1:{port}", allow, "2", .. tls])
        {
            start.ArgumentList.Add(arg);
        }

        return new NodeProcess(Process.Start(start)!, port);
    }

    public void Kill() => _process.Kill();

    /// <summary>Sends a signal by the node's own PID (the dotnet host runs the node in its process).</summary>
    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signal(SigCont);
            Signal(SigTerm);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                _process.Kill();
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }

        _process.Dispose();
    }

    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigStop = 19;
    public const int SigCont = 18;

    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            return path;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host)
        {
            return host;
        }

        return Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

[CollectionDefinition(Name)]
public sealed class RedisClusterTests : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis-cluster";
}
