namespace Tally.Cli.Rendering;

/// <summary>Says that the output file is being written, and then how big it came out: a long <c>-o</c> write must not look like a hang.</summary>
internal static class OutputNotice
{
    /// <summary>Runs <paramref name="write"/>, with a <c>writing PATH …</c> line on a terminal that becomes <c>wrote PATH: SIZE in TIME</c>.</summary>
    /// <returns>How long the write took.</returns>
    public static async Task<TimeSpan> WriteAsync(TextWriter error, bool terminal, bool verbose, string path, Func<Task> write, TimeProvider time)
    {
        long start = time.GetTimestamp();
        if (terminal)
        {
            await error.WriteAsync(TallyApp.Printable($"tally: writing {path} …")).ConfigureAwait(false);
        }

        try
        {
            await write().ConfigureAwait(false);
        }
        finally
        {
            if (terminal)
            {
                // Back to the line's start and clear it: the outcome replaces the notice, or an error follows on a clean line.
                await error.WriteAsync("\r\u001b[K").ConfigureAwait(false);
            }
        }

        var took = time.GetElapsedTime(start);
        if (terminal || verbose)
        {
            string size = File.Exists(path) ? $": {Units.Bytes(new FileInfo(path).Length)}" : "";
            await error.WriteLineAsync(TallyApp.Printable($"tally: wrote {path}{size} in {Units.Seconds(took)}")).ConfigureAwait(false);
        }

        return took;
    }
}
