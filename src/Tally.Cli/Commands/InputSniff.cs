using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Tally.Formats.Auto;
using Tally.Formats.NgramV2;
using Tally.Sources;

namespace Tally.Cli.Commands;

/// <summary>
/// Before counting: a file that is plainly not Ngram rows (CSV, JSON, a Google total-counts
/// file, v3 rows, binary data) is named with what it looks like, instead of failing on its first
/// row after other inputs were counted.
/// </summary>
/// <remarks>
/// Reads the first 8 KB of each file (inflated when gzip): the first block is read again by the
/// count, from the page cache. Only files, never standard input or a FIFO, which can be read once.
/// Only for the Ngram v2 step and auto (which also takes v3): another format chosen on purpose is the user's call. A file
/// that merely has a bad row somewhere is left to the count, which names the row.
/// </remarks>
internal static partial class InputSniff
{
    private const int HeadBytes = 8192;

    /// <summary>The sources to count, read as <paramref name="format"/>: with <paramref name="leaveOut"/>, those that look wrong are listed on stderr and dropped; otherwise they fail the run (exit 1).</summary>
    /// <param name="sources">The inputs.</param>
    /// <param name="format">The format they are read in.</param>
    /// <param name="leaveOut">Whether a file that looks wrong is left out (--skip-bad-files) instead of failing the run.</param>
    /// <param name="error">Where the files left out are listed.</param>
    /// <param name="command">The command that reads them (count, series), for the hint: only count has other formats to suggest.</param>
    public static async Task<IReadOnlyList<DataSource>> CheckAsync(IReadOnlyList<DataSource> sources, string format, bool leaveOut, TextWriter error, string command = "count")
    {
        // Under auto, v3 rows are welcome; a format other than the Ngram ones is the user's call.
        bool auto = format == AutoMapStep.StepName;
        if (!auto && format != NgramV2MapStep.StepName)
        {
            return sources;
        }

        string rows = auto ? "Ngram v2 or v3 rows" : "Ngram v2 rows";

        var wrong = new List<(DataSource Source, string Looks)>();
        foreach (var source in sources)
        {
            if (source.Address is { } path && Looks(path, acceptV3: auto) is { } looks)
            {
                wrong.Add((source, looks));
            }
        }

        if (wrong.Count == 0)
        {
            return sources;
        }

        // A series reads only Ngram rows: it has no other format to suggest.
        bool count = command == "count";
        string what = (auto
            ? $"tally {command} reads Google Books Ngram v2 or v3 rows by default"
            : "--format ngram-v2 reads Google Books Ngram v2 rows (ngram TAB year TAB match_count TAB volume_count)")
            + (count
                ? ": count only such files, for example with a glob such as 'DIR/*.gz', or give --format tsv (with --key and --value) or --format words for other files"
                : $": give tally {command} only such files, for example with a glob such as 'DIR/*.gz'");
        if (!leaveOut)
        {
            // One line per file; the last carries what to do, and the exit code of bad data.
            foreach (var (source, looks) in wrong.SkipLast(1))
            {
                await error.WriteLineAsync(TallyApp.Printable($"tally: {source.Name}: looks like {looks}, not {rows}")).ConfigureAwait(false);
            }

            var (last, lastLooks) = wrong[^1];
            throw new TallyDataException(last.Name, null, $"looks like {lastLooks}, not {rows}; {what}, or leave such files out with --skip-bad-files. Nothing was counted");
        }

        foreach (var (source, looks) in wrong)
        {
            await error.WriteLineAsync(TallyApp.Printable($"tally: left out {source.Name}: looks like {looks}, not {rows}")).ConfigureAwait(false);
        }

        return [.. sources.Except(wrong.Select(w => w.Source))];
    }

    /// <summary>What the file's start looks like when it is plainly not Ngram v2 rows, or null.</summary>
    internal static string? Looks(string path, bool acceptV3 = false)
    {
        byte[] head;
        try
        {
            head = Head(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // Unreadable or a damaged gzip header: the count reports it properly.
            return null;
        }

        return Classify(head, acceptV3);
    }

    internal static string? Classify(ReadOnlySpan<byte> head, bool acceptV3 = false)
    {
        if (head.IsEmpty)
        {
            return null;
        }

        if (head.Contains((byte)0))
        {
            return "binary data (it holds NUL bytes)";
        }

        string text = Encoding.UTF8.GetString(head);
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return "JSON";
        }

        int end = text.IndexOf('\n', StringComparison.Ordinal);
        string line = (end < 0 ? text : text[..end]).TrimEnd('\r');
        string[] fields = line.Split('\t');
        if (fields.Length == 4)
        {
            return null;
        }

        if (end < 0 && fields.Length > 2)
        {
            // The line goes on past the head: its last field is cut.
            fields = fields[..^1];
        }

        var cells = fields.Where(f => f.Trim().Length > 0).Select(f => f.Trim()).ToArray();
        if (cells.Length > 0 && cells.All(c => TotalCountsCell().IsMatch(c)))
        {
            return "a Google total-counts file (year,match_count,page_count,volume_count per year on one line)";
        }

        if (fields.Length >= 2 && fields.Skip(1).All(f => V3Cell().IsMatch(f)))
        {
            return acceptV3 ? null : "Ngram v3 rows (ngram TAB year,match_count,volume_count ...)";
        }

        if (!line.Contains('\t', StringComparison.Ordinal) && line.Contains(',', StringComparison.Ordinal))
        {
            return $"CSV (its first line is \"{(line.Length > 40 ? line[..40] + "…" : line)}\")";
        }

        return null;
    }

    private static byte[] Head(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        var raw = new byte[HeadBytes];
        int length = file.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        if (length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
        {
            return raw[..length];
        }

        using var gzip = new GZipStream(new MemoryStream(raw, 0, length), CompressionMode.Decompress);
        var inflated = new byte[HeadBytes];
        int total = 0;
        try
        {
            int read;
            while (total < inflated.Length && (read = gzip.Read(inflated, total, inflated.Length - total)) > 0)
            {
                total += read;
            }
        }
        catch (InvalidDataException) when (total > 0)
        {
            // The first 8 KB of a gzip file end mid-stream: what inflated so far is the head.
        }
        catch (EndOfStreamException)
        {
        }

        return inflated[..total];
    }

    [GeneratedRegex(@"^\d+,\d+,\d+,\d+$")]
    private static partial Regex TotalCountsCell();

    [GeneratedRegex(@"^\d+,\d+,\d+$")]
    private static partial Regex V3Cell();
}
