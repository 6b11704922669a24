namespace Tally.Cli.Tests;

/// <summary>
/// A test that needs a file the process cannot open for reading. For an ordinary user that is a
/// file with mode 000; root reads those anyway, so as root it is a write-only procfs entry
/// (<c>/proc/sys/vm/drop_caches</c>, which refuses reads even to root), and the test is skipped
/// with a reason when neither is available.
/// </summary>
internal sealed class UnreadableFileFactAttribute : FactAttribute
{
    private const string RootUnreadable = "/proc/sys/vm/drop_caches";

    public UnreadableFileFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "needs Unix file modes";
        }
        else if (IsRoot() && !IsUnreadable(RootUnreadable))
        {
            Skip = $"running as root, which reads mode-000 files, and {RootUnreadable} is not there to refuse a read";
        }
    }

    /// <summary>A path in <paramref name="folder"/> (or the procfs entry when root) that cannot be opened for reading.</summary>
    public static string Create(string folder)
    {
        if (IsRoot())
        {
            return RootUnreadable;
        }

        string path = Path.Combine(folder, "unreadable.tsv");
        File.WriteAllText(path, "a\t1\t1\t1\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.None);
        }

        return path;
    }

    private static bool IsRoot() => Environment.UserName == "root";

    private static bool IsUnreadable(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
