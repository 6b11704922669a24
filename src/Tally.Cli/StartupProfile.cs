using System.Runtime;

namespace Tally.Cli;

/// <summary>
/// The runtime's multi-core JIT for a run of tally: the methods one run compiled are compiled, and
/// precompiled ones prepared, on another core ahead of use in the next run of the same kind.
/// </summary>
/// <remarks>
/// <para>
/// Why: a cluster job's coordinator is a fresh process each time, and its start (an Orleans silo)
/// compiles about 1,200 methods that the ReadyToRun image cannot hold, Orleans' serializers and
/// invokers made by reflection at run time, and loads types on one core while the node that waits
/// for it, and the machine's other cores, have nothing to do. With the last run's profile played
/// on another core, a one-row cluster job took 0.79x the wall time and a job of six large files
/// about 0.98x (docs/benchmarks.md, "Cluster").
/// </para>
/// <para>
/// The profile is kept per kind of run (<c>count --cluster</c>, <c>series --cluster</c>, <c>node</c>) in <c>$XDG_CACHE_HOME/tally/startup</c> (default <c>~/.cache/tally/startup</c>).
/// <c>TALLY_STARTUP_PROFILE=0</c> turns it off. A profile of another build of tally, or a damaged
/// one, is not played (see <see cref="Unwrap"/>); the run then records a new one.
/// </para>
/// <para>
/// Runs of the same kind may overlap (nodes on one machine, jobs in a row), so no run writes the
/// shared file in place: each plays and records a private copy in a folder of its own, and a run
/// that succeeded moves its recording over the shared file with one rename, which every reader
/// sees whole or not at all. The folders of runs that were killed are removed by a later run
/// (<see cref="RemoveAbandoned"/>).
/// </para>
/// </remarks>
internal sealed class StartupProfile
{
    private const string Extension = ".jitprofile";
    private const string RunPrefix = "run-";

    /// <summary>The shared file: magic, version, the build's id, the runtime's profile, a checksum.</summary>
    private static readonly Tally.Serialization.Envelope s_envelope = new("TLYJ", 1, "tally startup profile");

    private readonly string _shared;
    private readonly string _private;
    private readonly string _name;

    private StartupProfile(string shared, string privateFolder, string name)
    {
        _shared = shared;
        _private = privateFolder;
        _name = name;
    }

    /// <summary>Starts the profile for the run of <paramref name="args"/>; null when off, for a run of another kind, or when there is nowhere to keep it.</summary>
    /// <remarks>Never fails the run: a cache folder that cannot be made or written only means no profile.</remarks>
    public static StartupProfile? Start(string[] args)
    {
        if (Environment.GetEnvironmentVariable("TALLY_STARTUP_PROFILE") is "0" or "off" or "false" || Kind(args) is not { } kind || Folder() is not { } folder)
        {
            return null;
        }

        try
        {
            Directory.CreateDirectory(folder);
            RemoveAbandoned(folder);
            string name = kind + Extension;
            string privateFolder = Path.Combine(folder, RunFolderName(Environment.ProcessId, Environment.MachineName));
            Directory.CreateDirectory(privateFolder);
            string shared = Path.Combine(folder, name);
            if (ReadIfPresent(shared) is { } bytes && Unwrap(bytes) is { } recorded)
            {
                File.WriteAllBytes(Path.Combine(privateFolder, name), recorded);
            }

            ProfileOptimization.SetProfileRoot(privateFolder);
            ProfileOptimization.StartProfile(name);
            return new StartupProfile(shared, privateFolder, name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Ends the recording and makes it the profile the next run of this kind plays.</summary>
    public void Save()
    {
        try
        {
            // An empty name ends the recording, and the runtime writes it out now rather than at exit.
            ProfileOptimization.StartProfile(null);
            string recorded = Path.Combine(_private, _name);
            if (File.Exists(recorded))
            {
                string wrapped = recorded + ".checked";
                File.WriteAllBytes(wrapped, Wrap(BuildId(), File.ReadAllBytes(recorded)));
                File.Move(wrapped, _shared, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next run records again.
        }
        finally
        {
            Discard();
        }
    }

    /// <summary>Removes this run's private folder, keeping the shared profile as it was.</summary>
    public void Discard()
    {
        try
        {
            Directory.Delete(_private, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The bytes of <paramref name="path"/>, or null when there is no such file (yet, or any more: another run may be replacing it).</summary>
    private static byte[]? ReadIfPresent(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The runtime's profile in <paramref name="data"/>, if it is whole and was recorded by this build of tally; otherwise null.</summary>
    /// <remarks>
    /// The runtime checks little of what it plays: measured with bytes of a profile changed at
    /// random, it played some, and in 3 runs of 30 tally crashed (a stack overflow, an invalid
    /// assembly name). So the file carries a checksum and the build's id, and is played only whole,
    /// and only by the build that wrote it.
    /// </remarks>
    internal static byte[]? Unwrap(ReadOnlySpan<byte> data)
    {
        try
        {
            var body = s_envelope.Open(data);
            var id = BuildId();
            return body.Length > id.Length && body[..id.Length].SequenceEqual(id) ? body[id.Length..].ToArray() : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The shared file's bytes for the runtime's profile <paramref name="recorded"/> by the build <paramref name="buildId"/>.</summary>
    internal static byte[] Wrap(ReadOnlySpan<byte> buildId, ReadOnlySpan<byte> recorded)
    {
        using var stream = new MemoryStream(Tally.Serialization.Envelope.PrefixLength + buildId.Length + recorded.Length + Tally.Serialization.Envelope.ChecksumLength);
        var writer = s_envelope.StartWriting(stream);
        writer.Write(buildId);
        writer.Write(recorded);
        writer.Finish();
        return stream.ToArray();
    }

    /// <summary>This build's id: the entry module's version id, new at every compile.</summary>
    internal static byte[] BuildId() => typeof(StartupProfile).Assembly.ManifestModule.ModuleVersionId.ToByteArray();

    /// <summary>The profile's name for the run of <paramref name="args"/>: a cluster's coordinator or node; null for the others.</summary>
    /// <remarks>
    /// A local count starts from the ReadyToRun image in about a tenth of a second, and a profile
    /// did nothing for it: a one-row count 1.02x wall and 1.23x CPU (the recording), six large files
    /// 0.96x wall, within the pairs' spread (docs/benchmarks.md).
    /// </remarks>
    internal static string? Kind(string[] args)
    {
        if (args.Length == 0)
        {
            return null;
        }

        string command = args[0];
        if (command == "node")
        {
            return command;
        }

        if (command is not ("count" or "series"))
        {
            return null;
        }

        foreach (string arg in args)
        {
            if (arg == "--cluster" || arg.StartsWith("--cluster=", StringComparison.Ordinal))
            {
                return command + "-cluster";
            }
        }

        return null;
    }

    private static string? Folder()
    {
        string? cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache) || !Path.IsPathRooted(cache))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home))
            {
                return null;
            }

            cache = Path.Combine(home, ".cache");
        }

        return Path.Combine(cache, "tally", "startup");
    }

    /// <summary>The private folder's name for the process <paramref name="pid"/> on <paramref name="host"/>.</summary>
    /// <remarks>
    /// The host, since a home folder may be shared between machines (NFS), where a PID says nothing
    /// about the others' processes; and a random part, since two machines or containers may give
    /// the same PID: two runs writing one folder could leave a mix of two recordings, whole to the
    /// checksum but not to the runtime.
    /// </remarks>
    internal static string RunFolderName(int pid, string host)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RunPrefix}{pid}-{Guid.NewGuid():N}-{host}");

    /// <summary>Removes the private folders of runs no longer alive (killed before they could clean up).</summary>
    /// <remarks>
    /// A folder of this machine is dead when its PID is (Linux: no <c>/proc/PID</c>); one of another
    /// machine, or of this one where there is no /proc to ask, when it is a day old.
    /// </remarks>
    private static void RemoveAbandoned(string folder)
    {
        string host = Environment.MachineName;
        var dayAgo = DateTime.UtcNow.AddDays(-1);
        foreach (string run in Directory.EnumerateDirectories(folder, RunPrefix + "*"))
        {
            // run-PID-RANDOM-HOST, the host last since it may hold dashes.
            string[] parts = Path.GetFileName(run).Split('-', 4);
            bool ours = parts.Length == 4 && parts[3] == host && OperatingSystem.IsLinux();
            bool dead = ours
                ? int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
                    && !Directory.Exists("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : Directory.GetLastWriteTimeUtc(run) < dayAgo;
            if (dead)
            {
                try
                {
                    Directory.Delete(run, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }
}
