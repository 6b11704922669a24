namespace Tally.Engine;

/// <summary>Which executor runs the map step of this job.</summary>
public sealed partial class CountJob
{
    /// <remarks>
    /// The serial shortcut for tiny inputs applies to threads only: whoever asks for worker
    /// processes asks for isolation, which running in this process would silently drop.
    /// </remarks>
    private ISourceExecutor SelectExecutor(SourceState[] toRead) => _options.Executor switch
    {
        ExecutorKind.Processes => new ProcessExecutor(),
        _ => IsSmall(toRead) ? SerialExecutor.Instance : ThreadExecutor.Instance,
    };
}
