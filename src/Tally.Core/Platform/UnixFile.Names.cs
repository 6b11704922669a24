using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Tally.Platform;

/// <summary>Opening and listing by a name's bytes: .NET encodes a path as UTF-8 with U+FFFD, so a name that is not valid UTF-8 cannot be reached through it.</summary>
/// <remarks>
/// A path with an escaped byte (<see cref="UnixName"/>) is opened with <c>open(2)</c> and its bytes,
/// and a folder is listed with <c>readdir(3)</c>, whose names come back as bytes. A path that is
/// valid text takes .NET's own way, as before. Where <see cref="IsAvailable"/> is false, both are
/// .NET's.
/// </remarks>
internal static unsafe partial class UnixFile
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC on Linux x86-64 and arm64
    private const int NameOffset = 19;              // d_name in glibc's (and musl's) 64-bit struct dirent
    private const int NoSuchFile = 2;               // ENOENT
    private const int PermissionDenied = 13;        // EACCES

    /// <summary>Opens <paramref name="path"/> for reading, whatever bytes its name holds.</summary>
    /// <exception cref="IOException">It cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    public static FileStream OpenRead(string path, int bufferSize, FileOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!IsAvailable || !UnixName.HasEscapedBytes(path))
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize, options);
        }

        if (Stat(path).Kind == UnixFileKind.Directory)
        {
            throw new UnauthorizedAccessException("is a folder");
        }

        int descriptor;
        fixed (byte* name = Terminated(path))
        {
            descriptor = NativeOpen(name, ReadOnlyCloseOnExec);
        }

        if (descriptor < 0)
        {
            throw Failure(Marshal.GetLastPInvokeError());
        }

        // On Unix a FileStream reads asynchronously on the pool whether or not its handle was
        // opened for it, so isAsync: false loses nothing against FileOptions.Asynchronous.
        return new FileStream(new SafeFileHandle(descriptor, ownsHandle: true), FileAccess.Read, bufferSize, isAsync: false);
    }

    /// <summary>The names in <paramref name="folder"/> (not <c>.</c> and <c>..</c>), each as its bytes say (<see cref="UnixName.Decode"/>), in no particular order.</summary>
    /// <exception cref="IOException">It cannot be listed.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    public static IReadOnlyList<string> ListFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!IsAvailable)
        {
            return [.. Directory.EnumerateFileSystemEntries(folder).Select(p => Path.GetFileName(p))];
        }

        nint directory;
        fixed (byte* name = Terminated(folder))
        {
            directory = NativeOpenDirectory(name);
        }

        if (directory == 0)
        {
            throw Failure(Marshal.GetLastPInvokeError());
        }

        var names = new List<string>();
        try
        {
            while (true)
            {
                byte* entry = NativeReadDirectory(directory);
                if (entry is null)
                {
                    // The end, or an error: readdir tells them apart by errno alone.
                    int error = Marshal.GetLastPInvokeError();
                    if (error != 0)
                    {
                        throw Failure(error);
                    }

                    break;
                }

                var entryName = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry + NameOffset);
                if (!entryName.SequenceEqual("."u8) && !entryName.SequenceEqual(".."u8))
                {
                    names.Add(UnixName.Decode(entryName));
                }
            }
        }
        finally
        {
            _ = NativeCloseDirectory(directory);
        }

        return names;
    }

    private static Exception Failure(int error)
    {
        string message = Marshal.GetPInvokeErrorMessage(error);
        return error switch
        {
            PermissionDenied => new UnauthorizedAccessException(message),
            NoSuchFile => new FileNotFoundException(message),
            _ => new IOException(message, error),
        };
    }

    // open is variadic: without O_CREAT it takes no third argument, so two fixed ones call it correctly.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int NativeOpen(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "opendir", SetLastError = true)]
    private static partial nint NativeOpenDirectory(byte* path);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial byte* NativeReadDirectory(nint directory);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int NativeCloseDirectory(nint directory);
}
