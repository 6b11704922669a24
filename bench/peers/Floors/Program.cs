// Floors for Tally's end-to-end benchmark: the least work any counter of these files must do.
//
//   Floors inflate FILE.gz...   inflate every file, one task per file on all cores, output discarded
//   Floors newlines FILE...     read plain files in large blocks on all cores, counting '\n'
//
// Prints what it read so a run can be checked against the data (bytes, lines).
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;

if (args.Length < 2 || args[0] is not ("inflate" or "newlines"))
{
    Console.Error.WriteLine("usage: Floors inflate FILE.gz... | Floors newlines FILE...");
    return 2;
}

// Tally's block size: large enough that per-read costs vanish, small enough to stay in cache.
const int BlockSize = 1 << 20;

string[] files = args[1..];
var stopwatch = Stopwatch.StartNew();
string summary = args[0] == "inflate" ? Inflate(files) : CountNewlines(files);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[0]}: {summary} in {stopwatch.Elapsed.TotalSeconds:F3} s"));
return 0;

static string Inflate(string[] files)
{
    long inflated = 0;

    // A gzip stream inflates on one core, so files are the unit of parallelism, as they are in Tally.
    Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, path =>
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BlockSize, FileOptions.SequentialScan);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        byte[] buffer = new byte[BlockSize];
        long bytes = 0;
        int read;
        while ((read = gzip.Read(buffer)) > 0)
        {
            bytes += read;
        }

        Interlocked.Add(ref inflated, bytes);
    });

    return string.Create(CultureInfo.InvariantCulture, $"{inflated} bytes inflated from {files.Length} files");
}

static string CountNewlines(string[] files)
{
    var handles = files.Select(path => File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan)).ToArray();
    try
    {
        // Blocks of all files in one work list, so every core stays busy even with fewer files than cores.
        var blocks = handles
            .SelectMany(handle => Enumerable
                .Range(0, (int)((RandomAccess.GetLength(handle) + BlockSize - 1) / BlockSize))
                .Select(index => (Handle: handle, Offset: (long)index * BlockSize)))
            .ToArray();

        long lines = 0;
        long bytes = 0;
        Parallel.ForEach(
            blocks,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => (Buffer: new byte[BlockSize], Lines: 0L, Bytes: 0L),
            (block, _, local) =>
            {
                int read = RandomAccess.Read(block.Handle, local.Buffer, block.Offset);
                return (local.Buffer, local.Lines + local.Buffer.AsSpan(0, read).Count((byte)'\n'), local.Bytes + read);
            },
            local =>
            {
                Interlocked.Add(ref lines, local.Lines);
                Interlocked.Add(ref bytes, local.Bytes);
            });

        return string.Create(CultureInfo.InvariantCulture, $"{lines} lines in {bytes} bytes of {files.Length} files");
    }
    finally
    {
        foreach (var handle in handles)
        {
            handle.Dispose();
        }
    }
}
