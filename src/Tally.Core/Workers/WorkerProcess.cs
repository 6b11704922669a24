using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Tally.Executors.Processes;
using Tally.Serialization;

namespace Tally.Workers;

/// <summary>One worker process: starts it, speaks to it through a <see cref="WorkerChannel"/>, and makes sure it ends.</summary>
/// <remarks>
/// Disposing always leaves the process exited and reaped: it is killed when it has not exited
/// by itself. Its stderr is drained all along (a full stderr pipe would block the worker) and the
/// last lines are kept to explain a crash.
/// </remarks>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const int StderrLinesKept = 20;

    private readonly Process _process;
    private readonly string _command;
    private readonly Action<WorkerEvent>? _events;

    /// <summary>The last lines the worker wrote to stderr; guarded by itself, written by the process's event thread.</summary>
    private readonly Queue<string> _stderr = new();

    private int _killed;

    private WorkerProcess(Process process, string command, Action<WorkerEvent>? events)
    {
        _process = process;
        _command = command;
        _events = events;
        Id = process.Id;
        Channel = new WorkerChannel(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
    }

    public int Id { get; }

    public WorkerChannel Channel { get; }

    /// <summary>Starts a worker and completes the handshake.</summary>
    /// <exception cref="TallyWorkerException">The command cannot be started, is not a worker, or does not know <paramref name="mapStep"/>.</exception>
    /// <exception cref="WorkerCrashException">It started but ended (or hung) before answering.</exception>
    /// <param name="command">The worker program.</param>
    /// <param name="mapStep">The map step it must know.</param>
    /// <param name="events">Test hook: told when the process has started and when it has been reaped.</param>
    /// <param name="cancellationToken">Kills the process and stops waiting.</param>
    public static async Task<WorkerProcess> StartAsync(WorkerCommand command, string mapStep, Action<WorkerEvent>? events, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in command.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new TallyWorkerException(null, $"cannot start worker '{command}'");
        }
        catch (Exception e) when (e is Win32Exception or IOException)
        {
            throw new TallyWorkerException(null, $"cannot start worker '{command}': {e.Message}", e);
        }

        var worker = new WorkerProcess(process, command.ToString(), events);
        events?.Invoke(new WorkerEvent(WorkerEventKind.Started, worker.Id));
        try
        {
            process.ErrorDataReceived += worker.OnStderr;
            process.BeginErrorReadLine();

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TallyDefaults.WorkerStartTimeout);
            using var kill = worker.KillOn(timeout.Token);
            HelloReply hello;
            try
            {
                hello = await worker.Channel.HandshakeAsync(command.ToString(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WorkerCrashException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new WorkerCrashException(await worker.DescribeEndAsync("before the handshake").ConfigureAwait(false), e);
            }

            if (!hello.MapSteps.Contains(mapStep, StringComparer.Ordinal))
            {
                string known = hello.MapSteps.Count == 0 ? "none" : string.Join(", ", hello.MapSteps);
                throw new TallyWorkerException(null, $"worker '{command}' has no map step \"{mapStep}\" (it has: {known})");
            }

            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the process when <paramref name="cancellationToken"/> fires, which ends any read from it.</summary>
    public CancellationTokenRegistration KillOn(CancellationToken cancellationToken) => cancellationToken.Register(static w => ((WorkerProcess)w!).Kill(), this);

    /// <summary>What went wrong with the worker in <paramref name="crash"/>, for a message.</summary>
    /// <remarks>
    /// A worker that broke the protocol (typically a map step printing to stdout) is still running:
    /// it is killed at once and the violation is the reason. One that ended is described by how it ended.
    /// </remarks>
    public async Task<string> DescribeCrashAsync(WorkerCrashException crash)
    {
        if (crash.InnerException is not InvalidDataException violation)
        {
            return await DescribeEndAsync("during the task").ConfigureAwait(false);
        }

        Kill();
        return $"worker process {Id} wrote something to stdout that is not the protocol ({violation.Message}): nothing but WorkerHost may write there" + LastStderr();
    }

    /// <summary>Why the worker ended, for a message: its exit code or signal and its last stderr line.</summary>
    /// <remarks>Waits briefly for the exit, so the code is known when the output broke because the process died.</remarks>
    public async Task<string> DescribeEndAsync(string when)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TallyDefaults.WorkerExitTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
        }

        string how = !_process.HasExited ? "stopped answering"
            : _process.ExitCode > 128 ? string.Create(CultureInfo.InvariantCulture, $"was killed by signal {_process.ExitCode - 128}")
            : string.Create(CultureInfo.InvariantCulture, $"exited with code {_process.ExitCode}");
        return $"worker process {Id} {how} {when}" + LastStderr();
    }

    private string LastStderr()
    {
        string? last;
        lock (_stderr)
        {
            last = _stderr.LastOrDefault(l => !string.IsNullOrWhiteSpace(l));
        }

        return last is null ? "" : $" (stderr: {last.Trim()})";
    }

    /// <summary>Closes the worker's input, which ends it, and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        try
        {
            await _process.StandardInput.BaseStream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already gone.
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(TallyDefaults.WorkerExitTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
        }
    }

    /// <summary>Kills the worker if it still runs, and waits until it has exited.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        // Waiting reaps the process (no zombie) and lets the stderr reader finish; a killed
        // process exits at once, so this cannot hang on a live one.
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        _events?.Invoke(new WorkerEvent(WorkerEventKind.Stopped, Id));
    }

    private void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // It exited on its own in the meantime.
        }
    }

    private void OnStderr(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(e.Data);
            if (_stderr.Count > StderrLinesKept)
            {
                _stderr.Dequeue();
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_command} (pid {Id})";
}

