using System.IO.Compression;

namespace Tally.Cli.Generation;

/// <summary>
/// <c>tally gen --format v3</c>: rewrites a generated v2 file as Ngram v3, the same ngrams, years and
/// counts, one line per ngram (<c>ngram TAB year,match_count,volume_count ...</c>).
/// </summary>
/// <remarks>The v2 rows of one ngram are consecutive (the generator sorts them), so one pass groups them.</remarks>
internal static class NgramV3Conversion
{
    public static async Task ConvertAsync(string path, bool gzip, CancellationToken cancellationToken)
    {
        string temporary = path + ".v3.tmp";
        await using (var input = OpenRead(path, gzip))
        await using (var output = OpenWrite(temporary, gzip))
        {
            using var reader = new StreamReader(input, bufferSize: 1 << 20);
            byte[] tab = "\t"u8.ToArray();
            string? key = null;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                int first = line.IndexOf('\t', StringComparison.Ordinal);
                string ngram = line[..first];
                string triple = line[(first + 1)..].Replace('\t', ',');
                if (ngram != key)
                {
                    if (key is not null)
                    {
                        output.WriteByte((byte)'\n');
                    }

                    output.Write(System.Text.Encoding.UTF8.GetBytes(ngram));
                    key = ngram;
                }

                output.Write(tab);
                output.Write(System.Text.Encoding.ASCII.GetBytes(triple));
            }

            if (key is not null)
            {
                output.WriteByte((byte)'\n');
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static Stream OpenRead(string path, bool gzip)
    {
        var file = File.OpenRead(path);
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static Stream OpenWrite(string path, bool gzip)
    {
        var file = new BufferedStream(File.Create(path), 1 << 20);
        return gzip ? new GZipStream(file, CompressionLevel.Optimal) : file;
    }
}
