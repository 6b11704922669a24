using System.Runtime.InteropServices;

namespace Tally.Platform;

/// <summary>Arrays of many megabytes (count tables, the sort's workspace), asked to be backed by huge pages on Linux.</summary>
/// <remarks>
/// <para>
/// Why: a count table is hashed into at random, and every 4 KiB page of a fresh array costs a
/// page fault on first touch. On the 2-core virtual machine of docs/benchmarks.md a fault took
/// about 8 µs (the hypervisor's part of it most), and a coordinator merging six tables of 1.2 M
/// keys faulted in 1.3 GB: 341 k faults, 2.9 s of system time, more than its hashing. A 2 MiB page
/// is one fault where 4 KiB pages were 512, and one TLB entry where they were 512 too.
/// </para>
/// <para>
/// Many Linux systems give huge pages only to memory that asks for them (transparent huge pages
/// in <c>madvise</c> mode, this machine's setting), and .NET's heap never asks. So each large
/// array asks for itself, before its pages are first touched: <c>madvise(MADV_HUGEPAGE)</c> over
/// the whole 2 MiB pages inside it. A hint only: where huge pages are off or unavailable nothing
/// changes, and in <c>always</c> mode they were on already. The advice is on the address range,
/// which stays the GC heap's after the array dies, so it can never affect anything but this heap.
/// Memory use grows by at most the part of one huge page at each end of an array that is touched.
/// </para>
/// </remarks>
internal static unsafe partial class LargeArrays
{
    /// <summary>Below this many bytes an array is left alone: the advice splits the heap's mapping, and small arrays gain little.</summary>
    private const long Threshold = 4 << 20;

    private const long HugePage = 2 << 20;

    private const int MadvHugePage = 14;

    /// <summary>An array whose elements are not zeroed: every element must be written before it is read.</summary>
    public static T[] Uninitialized<T>(int length) where T : unmanaged
    {
        var array = GC.AllocateUninitializedArray<T>(length);
        Advise(array);
        return array;
    }

    /// <summary>An array of zeroes.</summary>
    public static T[] Zeroed<T>(int length) where T : unmanaged
    {
        var array = new T[length];
        Advise(array);
        return array;
    }

    private static void Advise<T>(T[] array) where T : unmanaged
    {
        long bytes = (long)array.Length * sizeof(T);
        if (bytes < Threshold || !OperatingSystem.IsLinux())
        {
            return;
        }

        // Pinned only for the call: a large array is not moved by the GC in any case, and if it
        // were, the advice would stay on heap memory, where it is harmless.
        fixed (T* first = array)
        {
            long start = ((long)first + HugePage - 1) & ~(HugePage - 1);
            long end = ((long)first + bytes) & ~(HugePage - 1);
            if (end > start)
            {
                // The result is not looked at: an older kernel or one without huge pages refuses
                // the advice (EINVAL), and the array then works as it would have anyway.
                _ = Madvise((nint)start, (nuint)(end - start), MadvHugePage);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
