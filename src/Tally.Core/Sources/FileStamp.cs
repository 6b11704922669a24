namespace Tally.Sources;

/// <summary>What identifies a file's content for a checkpoint: its full path, size and last write time.</summary>
/// <remarks>The same rule as make or rsync's quick check: a rewrite that keeps both size and time is not noticed.</remarks>
internal readonly record struct FileStamp(string FullPath, long Length, long LastWriteUtcTicks)
{
    /// <summary>The file's stamp now.</summary>
    /// <exception cref="TallyInputException">The file is gone or cannot be examined.</exception>
    public static FileStamp Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new TallyInputException($"{path}: no such file");
            }

            return new FileStamp(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{path}: {e.Message}", e);
        }
    }
}
