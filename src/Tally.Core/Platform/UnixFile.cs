using System.Runtime.InteropServices;

namespace Tally.Platform;

/// <summary>What kind of thing a path names, as <c>stat(2)</c> says.</summary>
internal enum UnixFileKind
{
    /// <summary>Nothing at that path (or it cannot be examined).</summary>
    Missing,

    /// <summary>A regular file: can be read again, renamed over, checkpointed.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A FIFO (named pipe): read once; opening it waits for the other end.</summary>
    Fifo,

    /// <summary>A character device such as <c>/dev/null</c>: written in place, read once.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A socket.</summary>
    Socket,

    /// <summary>A symbolic link (only from <see cref="UnixFile.Lstat"/>).</summary>
    SymbolicLink,
}

/// <summary>A file's identity and state as <c>stat(2)</c> gives it: which file it is (device and inode) and whether it changed.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Device">The device holding it.</param>
/// <param name="Inode">Its inode on that device; with <paramref name="Device"/>, the file whatever name reaches it.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="ModifiedNanoseconds">Last modification, in nanoseconds since the epoch.</param>
/// <param name="ChangedNanoseconds">Last status change (ctime), in nanoseconds since the epoch: <c>touch -r</c> and <c>cp -p</c> cannot set it back.</param>
/// <param name="Mode">The permission bits.</param>
internal readonly record struct UnixFileStatus(UnixFileKind Kind, ulong Device, ulong Inode, long Size, long ModifiedNanoseconds, long ChangedNanoseconds, UnixFileMode Mode)
{
    /// <summary>Whether both name the same file (same device and inode).</summary>
    /// <remarks>False when either is missing or <c>stat</c> was not available (no inode to compare).</remarks>
    public bool IsSameFile(UnixFileStatus other)
        => Kind != UnixFileKind.Missing && other.Kind != UnixFileKind.Missing && Inode != 0 && Device == other.Device && Inode == other.Inode;

    /// <summary>Whether something other than a regular file or a folder: a FIFO, a device, a socket.</summary>
    public bool IsSpecial => Kind is UnixFileKind.Fifo or UnixFileKind.CharacterDevice or UnixFileKind.BlockDevice or UnixFileKind.Socket;
}

/// <summary>
/// <c>stat(2)</c> and <c>lstat(2)</c>, which .NET does not expose: a file's device and inode (so two
/// names of one file are told apart from two files), and what kind of file it is (so a device or a
/// FIFO is never replaced by rename or handed to another process).
/// </summary>
/// <remarks>
/// Bound to glibc's <c>stat</c> and <c>lstat</c> (exported since glibc 2.33) with the x86-64 and
/// arm64 layouts of <c>struct stat</c>. Where they are missing (another libc, another platform),
/// <see cref="IsAvailable"/> is false and callers fall back to what .NET can tell.
/// </remarks>
internal static unsafe partial class UnixFile
{
    private const int BufferSize = 256;

    /// <summary>Whether <c>stat</c> could be called here.</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && Probe();

    /// <summary>The status of what <paramref name="path"/> names, following symbolic links; <see cref="UnixFileKind.Missing"/> when there is nothing there.</summary>
    public static UnixFileStatus Stat(string path) => Call(path, follow: true);

    /// <summary>The status of <paramref name="path"/> itself: a symbolic link is <see cref="UnixFileKind.SymbolicLink"/>.</summary>
    public static UnixFileStatus Lstat(string path) => Call(path, follow: false);

    private static bool Probe()
    {
        try
        {
            byte* buffer = stackalloc byte[BufferSize];
            fixed (byte* root = "/\0"u8)
            {
                return NativeStat(root, buffer) == 0;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static UnixFileStatus Call(string path, bool follow)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!IsAvailable || path.Length == 0)
        {
            return Fallback(path, follow);
        }

        byte* buffer = stackalloc byte[BufferSize];
        int result;
        fixed (byte* name = Terminated(path))
        {
            result = follow ? NativeStat(name, buffer) : NativeLstat(name, buffer);
        }

        if (result != 0)
        {
            return default;
        }

        // struct stat: st_dev and st_ino lead on both; st_mode is at 24 on x86-64 (after a 64-bit
        // st_nlink) and at 16 on arm64; st_size, st_mtim and st_ctim sit at 48, 88 and 104 on both.
        uint mode = *(uint*)(buffer + (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16));
        long Time(int offset) => (*(long*)(buffer + offset) * 1_000_000_000L) + *(long*)(buffer + offset + 8);
        return new UnixFileStatus(KindOf(mode), *(ulong*)buffer, *(ulong*)(buffer + 8), *(long*)(buffer + 48), Time(88), Time(104),
            (UnixFileMode)(mode & 0xFFF));
    }

    private static UnixFileKind KindOf(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => UnixFileKind.Regular,
        0x4000 => UnixFileKind.Directory,
        0x1000 => UnixFileKind.Fifo,
        0x2000 => UnixFileKind.CharacterDevice,
        0x6000 => UnixFileKind.BlockDevice,
        0xC000 => UnixFileKind.Socket,
        0xA000 => UnixFileKind.SymbolicLink,
        _ => UnixFileKind.Missing,
    };

    /// <summary>What .NET alone can tell: no inode, and every existing non-folder counts as regular.</summary>
    internal static UnixFileStatus Fallback(string path, bool follow)
    {
        if (path.Length == 0)
        {
            return default;
        }

        var info = new FileInfo(path);
        if (!follow && info.LinkTarget is not null)
        {
            return new UnixFileStatus(UnixFileKind.SymbolicLink, 0, 0, 0, 0, 0, 0);
        }

        if (Directory.Exists(path))
        {
            return new UnixFileStatus(UnixFileKind.Directory, 0, 0, 0, 0, 0, 0);
        }

        return info.Exists
            ? new UnixFileStatus(UnixFileKind.Regular, 0, 0, info.Length, info.LastWriteTimeUtc.Ticks * 100, info.LastWriteTimeUtc.Ticks * 100, 0)
            : default;
    }

    /// <summary>The path's bytes (<see cref="UnixName.Encode"/>, so an invalid byte of a name is itself), NUL-terminated for a system call.</summary>
    private static byte[] Terminated(string path)
    {
        var bytes = new byte[UnixName.GetByteCount(path) + 1];
        UnixName.GetBytes(path, bytes);
        return bytes;
    }

    [LibraryImport("libc", EntryPoint = "stat")]
    private static partial int NativeStat(byte* path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat")]
    private static partial int NativeLstat(byte* path, byte* buffer);
}
