using System.Globalization;
using System.Text;
using Tally.Engine;
using Tally.Formats.Auto;
using Tally.Formats.Filters;
using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests.Formats;

/// <summary>The real Google files in ../shared/realdata against totals a simple script computes.</summary>
public sealed class RealNgramFileTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    /// <summary>The nearest <c>shared/realdata</c> above the test binaries: beside the clone, as CI and the worktrees lay it out.</summary>
    internal static string RealData
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                string candidate = Path.Combine(folder.FullName, "shared", "realdata");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException($"no shared/realdata above {AppContext.BaseDirectory}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("years=1800-1999")]
    [InlineData("years=2010-2019")]
    public async Task V3Rows_GiveTheScriptsTotals(string arguments)
    {
        var filter = NgramFilter.Parse(arguments);
        string[] files = Directory.GetFiles(Path.Combine(RealData, "v3-rows"));
        Assert.Equal(3, files.Length);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            foreach (string line in File.ReadAllLines(file, Encoding.Latin1))
            {
                string[] fields = line.Split('\t');
                expected[fields[0]] = fields.Skip(1).Select(f => f.Split(',').Select(n => long.Parse(n, CultureInfo.InvariantCulture)).ToArray())
                    .Where(t => filter.Years is not { } y || y.Contains(t[0])).Sum(t => t[1]);
            }
        }

        var result = await CountJob.Start([.. files.Select(DataSource.FromFile)], new CountOptions { MapStep = new AutoMapStep(filter) }).Result.WaitAsync(s_guard);

        Assert.Equal(expected, ReferenceCount.FromResult(result));
        if (filter.Years is null)
        {
            Assert.Equal(30_481_972, result.GetTotal("forever"));
        }

        Assert.All(result.Sources, s => Assert.StartsWith("ngram-v3", s.Format, StringComparison.Ordinal));
    }

    /// <summary>The file holds the ngrams "1800" to "1999" over the years 1505-2008: a window cuts it, a window past it leaves nothing.</summary>
    [Fact]
    public async Task V2File_GivesTheScriptsTotals_WithAndWithoutYears()
    {
        string path = Path.Combine(RealData, "v2-eng-1gram-20120701-1-years1800-1999.tsv");
        var rows = File.ReadAllLines(path, Encoding.Latin1).Select(l => l.Split('\t')).ToList();
        Dictionary<string, long> Script(long from, long to) => rows
            .Where(r => long.Parse(r[1], CultureInfo.InvariantCulture) is var year && year >= from && year <= to)
            .GroupBy(r => r[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(r => long.Parse(r[2], CultureInfo.InvariantCulture)), StringComparer.Ordinal);

        var all = await CountAsync(path, NgramFilter.None);
        var window = await CountAsync(path, new NgramFilter { Years = YearRange.Parse("1800-1999") });
        var none = await CountAsync(path, new NgramFilter { Years = YearRange.Parse("2009-") });

        Assert.Equal(Script(0, long.MaxValue), ReferenceCount.FromResult(all));
        Assert.Equal(Script(1800, 1999), ReferenceCount.FromResult(window));
        Assert.NotEqual(ReferenceCount.FromResult(all), ReferenceCount.FromResult(window));
        Assert.Equal(0, none.Count);
        Assert.Equal(53_393, window.Rows);
    }

    private static Task<Output.CountResult> CountAsync(string path, NgramFilter filter)
        => CountJob.Start([DataSource.FromFile(path)], new CountOptions { MapStep = new AutoMapStep(filter) }).Result.WaitAsync(s_guard);
}
