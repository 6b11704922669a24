using System.IO.Compression;
using System.Text;
using Tally.Workers;

namespace Tally.Cli.Tests;

/// <summary>Runs <c>tally</c> in-process on a temp folder and captures what it prints.</summary>
internal sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Folder = Path.Combine(Path.GetTempPath(), "tally-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>The built tool as a worker process, for <c>--executor processes</c>: the test host cannot run itself as one.</summary>
    public static WorkerCommand WorkerCommand { get; } = new(DotnetHost(), ["exec", Path.Combine(AppContext.BaseDirectory, "tally.dll"), "worker"]);

    public string PathOf(string name) => Path.Combine(Folder, name);

    public string Write(string name, string text, bool gzip = false)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (gzip)
        {
            using var output = File.Create(path);
            using var compressor = new GZipStream(output, CompressionLevel.Fastest);
            compressor.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }

        return path;
    }

    public async Task<CliResult> RunAsync(string[] args, string? stdin = null, CancellationToken cancellationToken = default)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            Out = output,
            Error = error,
            OpenStandardInput = () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? "")),
            WorkerCommand = () => WorkerCommand,
        };

        int code = await TallyApp.RunAsync(args, environment, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    internal static string DotnetHost()
    {
        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            return path;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host
            ? host
            : Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
