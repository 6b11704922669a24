using System.Runtime.InteropServices;

namespace Tally.Platform;

/// <summary>Whether this process was started with its standard input closed (<c>tally count - &lt;&amp;-</c>).</summary>
/// <remarks>
/// <para>
/// Checking that descriptor 0 is open is not enough: when a process is started with it closed, the
/// .NET runtime's first <c>pipe2</c> (made while the runtime starts, before <c>Main</c>) takes the
/// lowest free number, 0. Standard input then reads the runtime's own pipe, whose write end the
/// process itself holds, so a read waits forever.
/// </para>
/// <para>
/// What tells them apart is the close-on-exec flag. <c>execve</c> closes every descriptor that has
/// it, so a descriptor inherited from the parent never has it when the process starts, and nothing
/// in tally sets it on descriptor 0 later. The runtime opens every descriptor of its own with
/// <c>O_CLOEXEC</c>. So descriptor 0 with close-on-exec set was opened by this process after it
/// started: standard input was closed at start. <c>fcntl(0, F_GETFD)</c> failing with
/// <c>EBADF</c> (no descriptor 0 at all) means the same.
/// </para>
/// </remarks>
internal static partial class UnixStandardInput
{
    private const int GetDescriptorFlags = 1; // F_GETFD, on Linux, macOS and the BSDs alike
    private const int CloseOnExec = 1;        // FD_CLOEXEC

    /// <summary>Whether standard input was closed when the process started; false where it cannot be told (not a Unix).</summary>
    public static bool IsClosed()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            return false;
        }

        try
        {
            // fcntl is variadic; F_GETFD passes no third argument, so the fixed two-argument
            // signature calls it correctly on every ABI.
            int flags = Fcntl(0, GetDescriptorFlags);
            return flags < 0 || (flags & CloseOnExec) != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="status"/> is the file behind descriptor 0 while standard input is closed: <c>/dev/stdin</c>, <c>/proc/self/fd/0</c>.</summary>
    /// <remarks>Opened by its name, it is the runtime's own pipe too, and would wait forever.</remarks>
    public static bool IsClosedAndSameAs(UnixFileStatus status)
        => status.IsSpecial && IsClosed() && UnixFile.Stat("/proc/self/fd/0").IsSameFile(status);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int descriptor, int command);
}
