using System.Diagnostics;

namespace Tally.Testing;

/// <summary>
/// A named pipe a test writes into while the job reads it as a file: a file source that finishes
/// exactly when the test says, in any executor, also in a worker process.
/// </summary>
/// <remarks>
/// The writer runs on its own task, since opening a FIFO blocks until the other end opens too.
/// Dispose unblocks a writer whose reader never came, and ends one that writes forever.
/// </remarks>
public sealed class Fifo : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    private Fifo(string path, Func<Stream, CancellationToken, Task> write)
    {
        Path = path;
        using (var mkfifo = Process.Start("mkfifo", [path]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        _writer = Task.Run(async () =>
        {
            try
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
                await write(stream, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The reader went away (a killed worker, a cancelled job) or the test is over.
            }
        });
    }

    /// <summary>The pipe's path: give it to the job as a file.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="first"/>, waits for <paramref name="gate"/>, writes <paramref name="rest"/> and closes.</summary>
    public static Fifo Gated(string path, byte[] first, Task gate, byte[] rest) => new(path, async (stream, stop) =>
    {
        await stream.WriteAsync(first, stop);
        await stream.FlushAsync(stop);
        await gate.WaitAsync(stop);
        await stream.WriteAsync(rest, stop);
    });

    /// <summary>Writes a row every few milliseconds until disposed: a source that never ends by itself.</summary>
    public static Fifo Endless(string path) => new(path, async (stream, stop) =>
    {
        var row = "endless\t2000\t1\t1\n"u8.ToArray();
        while (true)
        {
            await stream.WriteAsync(row, stop);
            await stream.FlushAsync(stop);
            await Task.Delay(5, stop);
        }
    });

    /// <summary>Stops the writer and waits for it, opening the pipe itself when no reader ever did.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        if (!_writer.Wait(TimeSpan.FromMilliseconds(200)))
        {
            // The writer still waits for a reader to open the pipe: be that reader.
            try
            {
                using var unblock = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            }
            catch (IOException)
            {
            }

            _writer.Wait(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
    }
}
