using System.Runtime.InteropServices;
using Tally.Testing;
using Tally.Workers;

namespace Tally.Tests.Support;

/// <summary>The command that runs this test assembly as a worker program (see <see cref="TestWorkerProgram"/>).</summary>
internal static class TestWorker
{
    /// <summary>A worker with the built-in steps and <see cref="WordCountStep"/>, plus the given test hooks.</summary>
    public static WorkerCommand Command(params string[] hooks)
        => new(DotnetHost(), ["exec", Path.Combine(AppContext.BaseDirectory, "Tally.Tests.dll"), "worker", .. hooks]);

    /// <summary>The <c>dotnet</c> host running these tests, so the worker runs on the same runtime.</summary>
    public static string DotnetHost()
    {
        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            return path;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host)
        {
            return host;
        }

        // shared/Microsoft.NETCore.App/<version>/ is three levels below the host.
        return Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
    }
}
