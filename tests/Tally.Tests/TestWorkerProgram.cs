using Tally.Aggregation;
using Tally.Formats.NgramV2;
using Tally.Mapping;
using Tally.Testing;
using Tally.Tests.Support;
using Tally.Workers;

namespace Tally.Tests;

/// <summary>
/// The test assembly's entry point, used only when a test starts it as a worker process
/// (<c>dotnet exec Tally.Tests.dll worker [hooks]</c>); the test host never calls it. It hosts
/// worker mode the way a library user's program would, with a map step of its own registered.
/// </summary>
/// <remarks>
/// Test hooks replace the built-in <c>ngram-v2</c> step by a wrapper that misbehaves, so a parent
/// counting Ngram files meets a crashing worker without any hook in the library itself:
/// <c>--crash-once FILE</c> exits mid-task in the first worker to create FILE;
/// <c>--crash-always</c> exits mid-task every time; <c>--print-to-stdout</c> writes a debug line to
/// stdout, the protocol's channel, as a careless map step would.
/// </remarks>
internal static class TestWorkerProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["worker", .. var hooks])
        {
            await Console.Error.WriteLineAsync("Tally.Tests is run by 'dotnet test'; 'worker' makes it a test worker process.");
            return 2;
        }

        var registry = MapStepRegistry.WithBuiltIns().Add(new WordCountStep()).Add(new LineCountStep()).Add(new ThrowingStep());
        if (hooks is ["--crash-once", var marker])
        {
            registry.Replace(new CrashingStep(marker));
        }
        else if (hooks is ["--crash-always"])
        {
            registry.Replace(new CrashingStep(marker: null));
        }
        else if (hooks is ["--print-to-stdout"])
        {
            registry.Replace(new PrintingStep());
        }

        return await WorkerHost.RunAsync(Console.OpenStandardInput(), Console.OpenStandardOutput(), registry);
    }

    /// <summary><c>ngram-v2</c> that kills its process on its first block: always, or once per marker file.</summary>
    private sealed class CrashingStep(string? marker) : MapStep(NgramV2MapStep.StepName)
    {
        public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        {
            if (ShouldCrash())
            {
                // As abrupt as a kill: no frame, no flush, an exit code the parent must explain.
                Environment.Exit(70);
            }

            return NgramV2MapStep.Instance.Map(block, table, context);
        }

        private bool ShouldCrash()
        {
            if (marker is null)
            {
                return true;
            }

            try
            {
                // CreateNew is atomic: exactly one worker process wins, whatever the timing.
                using var _ = new FileStream(marker, FileMode.CreateNew);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary><c>ngram-v2</c> that prints a debug line to stdout for every block.</summary>
    private sealed class PrintingStep() : MapStep(NgramV2MapStep.StepName)
    {
        public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        {
            Console.Out.WriteLine($"debug: mapping {block.Length} bytes");
            Console.Out.Flush();
            return NgramV2MapStep.Instance.Map(block, table, context);
        }
    }
}
