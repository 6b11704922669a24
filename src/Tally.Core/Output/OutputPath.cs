using Tally.Platform;

namespace Tally.Output;

/// <summary>What an output path names, for the checks made before any work starts.</summary>
internal static class OutputPath
{
    /// <summary>The full path a write to <paramref name="path"/> lands on: a symbolic link's final target, else the path itself.</summary>
    public static string Target(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return AtomicFile.ResolveTarget(Path.GetFullPath(path));
    }

    /// <summary>Whether two paths land on one file: the same path after links, or the same device and inode.</summary>
    public static bool AreSameFile(string first, string second)
        => Target(first) == Target(second) || UnixFile.Stat(first).IsSameFile(UnixFile.Stat(second));

    /// <summary>Whether <paramref name="path"/> is a device, a FIFO or a socket, which an output writes in place rather than replacing.</summary>
    public static bool IsWrittenInPlace(string path) => UnixFile.Stat(path).IsSpecial;
}
