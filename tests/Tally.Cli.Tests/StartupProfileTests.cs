namespace Tally.Cli.Tests;

/// <summary>The multi-core JIT profile a run of tally leaves for the next one: where it goes, which runs use it, and that a damaged one is never played.</summary>
public sealed class StartupProfileTests : IDisposable
{
    private const string Rows = "Aardvark\t1990\t3\t1\nabc\t1991\t7\t2\nAardvark\t1992\t2\t1\n";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("count --cluster 127.0.0.1:1 a.gz", "count-cluster")]
    [InlineData("count --cluster=redis://127.0.0.1:1 a.gz", "count-cluster")]
    [InlineData("series a.gz --cluster 127.0.0.1:1", "series-cluster")]
    [InlineData("node --join 127.0.0.1:1", "node")]
    [InlineData("count --word x a.gz", null)]
    [InlineData("series --word x a.gz", null)]
    [InlineData("gen a.gz", null)]
    [InlineData("fetch x", null)]
    [InlineData("--help", null)]
    [InlineData("", null)]
    public void Kind_AProfileForEachKindOfClusterRun_NoneForTheOthers(string args, string? kind)
        => Assert.Equal(kind, StartupProfile.Kind(args.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public void Unwrap_TakesOnlyAWholeProfileOfThisBuild()
    {
        byte[] recorded = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))];
        byte[] whole = StartupProfile.Wrap(StartupProfile.BuildId(), recorded);

        Assert.Equal(recorded, StartupProfile.Unwrap(whole));

        // Damaged anywhere, cut short, longer, of another build, or not ours at all: not played.
        for (int i = 0; i < whole.Length; i += 13)
        {
            byte[] damaged = [.. whole];
            damaged[i] ^= 0x20;
            Assert.Null(StartupProfile.Unwrap(damaged));
        }

        Assert.Null(StartupProfile.Unwrap(whole.AsSpan(0, whole.Length - 1)));
        Assert.Null(StartupProfile.Unwrap([.. whole, 0]));
        Assert.Null(StartupProfile.Unwrap(StartupProfile.Wrap(Guid.NewGuid().ToByteArray(), recorded)));
        Assert.Null(StartupProfile.Unwrap(recorded));
        Assert.Null(StartupProfile.Unwrap([]));
    }

    [Fact]
    public async Task ANode_LeavesItsProfile_InTheCacheFolder_AndNoRunFolder()
    {
        string cache = _cli.PathOf("cache");
        string folder = Path.Combine(cache, "tally", "startup");
        string shared = Path.Combine(folder, "node.jitprofile");
        Assert.Equal(0, await RunNodeAsync(cache));
        byte[] first = StartupProfile.Unwrap(await File.ReadAllBytesAsync(shared)) ?? throw new InvalidOperationException("no whole profile");

        // The next node plays the first one's recording: the runtime reads it from the run's own folder.
        Assert.Equal(0, await RunNodeAsync(cache, node => Assert.Equal(first, File.ReadAllBytes(Path.Combine(Assert.Single(Directory.GetDirectories(folder, $"run-{node.Id}-*")), "node.jitprofile")))));

        Assert.NotNull(StartupProfile.Unwrap(await File.ReadAllBytesAsync(shared)));
        Assert.Empty(Directory.GetDirectories(folder));
    }

    [Fact]
    public async Task ADamagedProfile_IsNotPlayed_AndIsReplaced()
    {
        string cache = _cli.PathOf("cache");
        Assert.Equal(0, await RunNodeAsync(cache));
        string profile = Path.Combine(cache, "tally", "startup", "node.jitprofile");
        byte[] good = await File.ReadAllBytesAsync(profile);

        // Bytes changed at random in the runtime's own data: played, such bytes crashed tally
        // (a stack overflow, an invalid assembly name) in 3 runs of 30.
        var random = new Random(20261205);
        for (int round = 0; round < 3; round++)
        {
            byte[] damaged = [.. good];
            for (int i = 0; i < 50; i++)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            await File.WriteAllBytesAsync(profile, round == 2 ? damaged[..(damaged.Length / 2)] : damaged);

            Assert.Equal(0, await RunNodeAsync(cache));
            Assert.NotNull(StartupProfile.Unwrap(await File.ReadAllBytesAsync(profile)));
        }
    }

    [Fact]
    public async Task TheFolderOfAKilledRun_IsRemoved_ALiveOnesIsNot()
    {
        string cache = _cli.PathOf("cache");
        string folder = Path.Combine(cache, "tally", "startup");

        // Above the largest PID Linux gives (2^22): no process has it.
        string dead = Directory.CreateDirectory(Path.Combine(folder, StartupProfile.RunFolderName(99999999, Environment.MachineName))).FullName;
        string live = Directory.CreateDirectory(Path.Combine(folder, StartupProfile.RunFolderName(Environment.ProcessId, Environment.MachineName))).FullName;

        // Another machine's (a home folder shared over NFS): its PIDs say nothing here; a day old, it is dead.
        string elsewhere = Directory.CreateDirectory(Path.Combine(folder, StartupProfile.RunFolderName(99999999, "other-host.example"))).FullName;
        string elsewhereOld = Directory.CreateDirectory(Path.Combine(folder, StartupProfile.RunFolderName(99999999, "other-host.example"))).FullName;
        Directory.SetLastWriteTimeUtc(elsewhereOld, DateTime.UtcNow.AddDays(-2));

        Assert.Equal(0, await RunNodeAsync(cache));

        Assert.False(Directory.Exists(dead));
        Assert.True(Directory.Exists(live));
        Assert.True(Directory.Exists(elsewhere));
        Assert.False(Directory.Exists(elsewhereOld));
    }

    [Fact]
    public async Task Off_WritesNothing()
    {
        string cache = _cli.PathOf("cache");

        Assert.Equal(0, await RunNodeAsync(cache, ("TALLY_STARTUP_PROFILE", "0")));

        Assert.False(Directory.Exists(cache));
    }

    [Fact]
    public async Task ACacheFolderThatCannotBeMade_OnlyMeansNoProfile()
    {
        // A file where the folder should be: the folder cannot be made, and the node runs as ever.
        Assert.Equal(0, await RunNodeAsync(_cli.Write("cache", "a file\n")));
    }

    [Fact]
    public async Task AFailedRun_LeavesTheProfileAsItWas()
    {
        string cache = _cli.PathOf("cache");
        string folder = Directory.CreateDirectory(Path.Combine(cache, "tally", "startup")).FullName;
        string profile = Path.Combine(folder, "count-cluster.jitprofile");
        byte[] before = StartupProfile.Wrap(StartupProfile.BuildId(), [1, 2, 3]);
        await File.WriteAllBytesAsync(profile, before);

        using var failed = TallyProcess.StartTool(_cli.Folder, new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache },
            "count", "--cluster", $"127.0.0.1:{LoopbackPort.Free()}", "--join-timeout", "1s", _cli.Write("in.tsv", Rows), "--quiet");
        Assert.Equal(3, await failed.WaitForExitAsync(s_timeout));

        Assert.Equal(before, await File.ReadAllBytesAsync(profile));
        Assert.Empty(Directory.GetDirectories(folder));
    }

    [ClusterFact]
    public async Task TheNextJobsCoordinator_PlaysTheLastOnesProfile_AndCountsTheSame()
    {
        string cache = _cli.PathOf("cache");
        string data = Directory.CreateDirectory(_cli.PathOf("data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "a.tsv"), Rows);
        int port = LoopbackPort.Free();
        var environment = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache };
        using var node = TallyProcess.StartTool(_cli.Folder, environment, "node", "--join", $"127.0.0.1:{port}", "--allow", data, "--slots", "1");
        try
        {
            for (int job = 0; job < 2; job++)
            {
                using var coordinator = TallyProcess.StartTool(_cli.Folder, environment, "count", "--cluster", $"127.0.0.1:{port}", "--join-timeout", "120s", data, "-w", "Aardvark", "--quiet");
                Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(180)) == 0, $"job {job}: {coordinator.Error}\nnode:\n{node.Error}");
                Assert.Equal(["Aardvark\t5"], coordinator.OutputLines);
                Assert.NotNull(StartupProfile.Unwrap(await File.ReadAllBytesAsync(Path.Combine(cache, "tally", "startup", "count-cluster.jitprofile"))));
            }

            await node.SignalAsync("TERM");
            Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.NotNull(StartupProfile.Unwrap(await File.ReadAllBytesAsync(Path.Combine(cache, "tally", "startup", "node.jitprofile"))));
        }
        finally
        {
            node.KillHard();
        }
    }

    /// <summary>Starts a node that waits for a coordinator that never comes, then stops it (SIGTERM): its exit code.</summary>
    private Task<int> RunNodeAsync(string cache, params (string Name, string Value)[] environment) => RunNodeAsync(cache, null, environment);

    /// <summary>As <see cref="RunNodeAsync(string, ValueTuple{string, string}[])"/>, calling <paramref name="whileServing"/> before the node is stopped.</summary>
    private async Task<int> RunNodeAsync(string cache, Action<TallyProcess>? whileServing, params (string Name, string Value)[] environment)
    {
        var variables = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        using var node = TallyProcess.StartTool(_cli.Folder, variables, "node", "--join", $"127.0.0.1:{LoopbackPort.Free()}", "--allow", _cli.Folder);

        // Serving: past the start, with its signal handlers in place.
        await TallyProcess.PollAsync(() => node.Error.Contains("tally: node serving", StringComparison.Ordinal) || node.HasExited, s_timeout, () => node.Error);
        whileServing?.Invoke(node);
        await node.SignalAsync("TERM");
        int code = await node.WaitForExitAsync(s_timeout);
        Assert.True(code == 0, node.Error);
        return code;
    }
}
