using System.Text;

namespace Tally.Testing;

/// <summary>The oracle: the simplest correct count, a string per line and a dictionary.</summary>
/// <remarks>Keys are decoded as Latin-1, which maps bytes to chars one to one, so invalid UTF-8 compares exactly.</remarks>
public static class ReferenceCount
{
    /// <summary>The totals (column 3 by column 1) of v2 <paramref name="files"/>, every non-empty line having 4 columns.</summary>
    public static Dictionary<string, long> Count(IEnumerable<byte[]> files)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (byte[] file in files)
        {
            foreach (string line in Encoding.Latin1.GetString(file).Split('\n'))
            {
                string row = line.TrimEnd('\r');
                if (row.Length == 0)
                {
                    continue;
                }

                string[] columns = row.Split('\t');
                Assert.Equal(4, columns.Length);
                totals[columns[0]] = checked(totals.GetValueOrDefault(columns[0]) + long.Parse(columns[2], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return totals;
    }

    /// <summary>A result's totals, keyed as <see cref="Count"/> keys them.</summary>
    public static Dictionary<string, long> FromResult(Output.CountResult result)
        => result.Sorted().ToDictionary(e => Encoding.Latin1.GetString(e.Utf8.Span), e => e.Total, StringComparer.Ordinal);
}
