using System.Text;
using Tally.Engine;
using Tally.Output;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary>
/// Seeded fuzzing of bad input: rows and files damaged in many ways, counted under every policy.
/// Each case must end in a Tally error that the damage explains, or in exactly the totals of
/// <see cref="ReferenceRows"/> over the valid rows of the files kept. Any other exception fails.
/// </summary>
/// <remarks>
/// 400 cases in 8 batches (a few seconds); set <c>TALLY_FUZZ_CASES</c> to the cases per batch for a
/// longer run. A failure names its case number, and every case is reproducible from it:
/// <c>TALLY_FUZZ_CASE=N</c> runs case N alone (in batch 0). At 8,000
/// cases it found a buffer returned twice to the shared pool (see ThreadExecutor.WriteAsync).
/// </remarks>
public sealed class FuzzTests
{
    private static readonly int s_casesPerBatch =
        int.TryParse(Environment.GetEnvironmentVariable("TALLY_FUZZ_CASES"), out int cases) && cases > 0 ? cases : 50;

    public static TheoryData<int> Batches() => [.. Enumerable.Range(0, 8)];

    [Theory]
    [MemberData(nameof(Batches))]
    public async Task Fuzz_DamagedInput_EndsInAnExplainedErrorOrTheReferenceTotals(int batch)
    {
        using var folder = new TempFolder();
        var (first, end) = int.TryParse(Environment.GetEnvironmentVariable("TALLY_FUZZ_CASE"), out int only)
            ? (batch == 0 ? (only, only + 1) : (0, 0))
            : (batch * s_casesPerBatch, (batch + 1) * s_casesPerBatch);
        for (int n = first; n < end; n++)
        {
            var fuzz = FuzzCase.Create(n, folder.Path);
            try
            {
                await fuzz.RunAsync();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"case {n} ({fuzz}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
    }

    /// <summary>One generated input file: what the reader should see when it is intact, and how it was damaged.</summary>
    private sealed record FuzzFile(string Name, byte[] Stored, byte[] Text, bool Gzip, string? FileDamage)
    {
        public List<ReferenceRows.Line> Lines { get; } = ReferenceRows.Lines(Text);

        public bool HasMalformedRows => Lines.Any(l => !l.IsRow);
    }

    private sealed class FuzzCase
    {
        private static readonly string[] s_junk = ["x", "-", " ", ".", "+", "\0", "\u00e9", "\t", "\r", "\\"];

        private readonly int _number;
        private readonly List<FuzzFile> _files = [];
        private CountOptions _options = new();

        private FuzzCase(int number) => _number = number;

        public static FuzzCase Create(int number, string folder)
        {
            var random = new Random(number);
            var fuzz = new FuzzCase(number);
            int files = random.Next(1, 4);
            for (int f = 0; f < files; f++)
            {
                fuzz._files.Add(MakeFile(random, $"f{f}", number));
            }

            int blockSize = new[] { 16, 37, 64, 256, 4096 }[random.Next(5)];
            var rows = random.Next(2) == 0 ? MalformedRowPolicy.Fail : MalformedRowPolicy.Skip;
            fuzz._options = new CountOptions
            {
                Workers = random.Next(1, 5),
                BlockSize = blockSize,
                MaxLineLength = Math.Max(blockSize, random.Next(4) == 0 ? 120 : 1 << 16),
                SerialThresholdBytes = random.Next(5) == 0 ? long.MaxValue : 0,
                MalformedRows = rows,
                BrokenSources = random.Next(2) == 0 ? BrokenSourcePolicy.Fail : BrokenSourcePolicy.Skip,
                RejectsPath = rows == MalformedRowPolicy.Skip && random.Next(3) == 0 ? Path.Combine(folder, $"rejects{number}.tsv") : null,

                // Tables folded as they arrive, or handed to the result unfolded and summed by its sort.
                UnfoldedTableBytes = random.Next(3) == 0 ? 0 : TallyDefaults.UnfoldedTableBytes,
            };
            return fuzz;
        }

        public override string ToString()
            => $"{_options.Workers} workers, {_options.BlockSize} B blocks, lines to {_options.MaxLineLength}, rows {_options.MalformedRows}, files {_options.BrokenSources}" +
               (_options.SerialThresholdBytes > 0 ? ", serial" : "") + (_options.RejectsPath is null ? "" : ", rejects") + (_options.UnfoldedTableBytes == 0 ? ", folded" : "") + "; " +
               string.Join("; ", _files.Select(f => $"{f.Name}{(f.Gzip ? ".gz" : "")}{(f.FileDamage is { } d ? " " + d : "")}"));

        public async Task RunAsync()
        {
            var sources = _files.Select(f => DataSource.FromStream(f.Name, new MemoryStream(f.Stored))).ToArray();
            CountResult result;
            try
            {
                result = await CountJob.Start(sources, _options).Result.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TallyDataException error)
            {
                CheckError(error);
                return;
            }

            CheckResult(result);
        }

        private bool TooLong(FuzzFile file) => ReferenceRows.LongestLine(file.Text) > _options.MaxLineLength;

        private void CheckError(TallyDataException error)
        {
            var file = _files.SingleOrDefault(f => f.Name == error.Source);
            Assert.True(file is not null, $"the error names no input: {error.Message}");
            Assert.False(string.IsNullOrWhiteSpace(error.Reason));
            Assert.Equal(error.Line is { } l ? $"{file.Name}:{l}: {error.Reason}" : $"{file.Name}: {error.Reason}", error.Message);

            // A malformed row, reported as the reference reports it, when malformed rows fail the job.
            bool rowError = _options.MalformedRows == MalformedRowPolicy.Fail
                && file.Lines.Any(line => line.Number == error.Line && line.Problem == error.Reason);

            // A total past 2^63-1: the reference overflows too (over every file, since leaving files out only lowers totals).
            bool overflow = error.Reason.Contains("passes 2^63-1", StringComparison.Ordinal) && ReferenceRows.Totals(_files.Select(f => f.Text)) is null;

            // A broken file, when broken files fail the job: damaged gzip (whatever it inflated to), or a line over the limit.
            bool broken = _options.BrokenSources == BrokenSourcePolicy.Fail
                && (file.FileDamage is not null || (TooLong(file) && error.Reason.StartsWith("line is longer than the limit", StringComparison.Ordinal)));

            Assert.True(rowError || overflow || broken, $"the damage does not explain: {error.Message}");
            if (_options.RejectsPath is { } rejects)
            {
                Assert.False(File.Exists(rejects), "a failed job wrote a rejects file");
            }
        }

        private void CheckResult(CountResult result)
        {
            var leftOut = result.LeftOut.Select(s => s.Name).ToHashSet();
            var kept = _files.Where(f => !leftOut.Contains(f.Name)).ToList();
            foreach (var file in _files)
            {
                if (leftOut.Contains(file.Name))
                {
                    Assert.Equal(BrokenSourcePolicy.Skip, _options.BrokenSources);
                    Assert.True(file.FileDamage is not null || TooLong(file), $"{file.Name} was left out but is intact");
                }
                else
                {
                    // Kept: then it was read as it was written (damage to a gzip header field zlib ignores is harmless).
                    Assert.False(TooLong(file), $"{file.Name} has a line over the limit but was counted");
                    Assert.True(_options.MalformedRows == MalformedRowPolicy.Skip || !file.HasMalformedRows, $"{file.Name} has malformed rows but did not fail the job");
                }
            }

            var expected = ReferenceRows.Totals(kept.Select(f => f.Text));
            Assert.True(expected is not null, "the reference overflows but the job succeeded");
            Assert.Equal(expected, ReferenceCount.FromResult(result));
            Assert.Equal(kept.Sum(f => f.Lines.Count(l => l.IsRow)), result.Rows);
            foreach (var done in result.Sources.Where(s => !s.IsLeftOut))
            {
                Assert.Equal(_files[done.Index].Lines.Count(l => !l.IsRow), done.SkippedRows);
            }

            if (_options.RejectsPath is { } rejects)
            {
                byte[] lines = [.. kept.SelectMany(f => ReferenceRows.RejectLines(f.Name, f.Text)).SelectMany(b => b)];
                Assert.Equal(lines, File.ReadAllBytes(rejects));
                File.Delete(rejects);
            }
        }

        private static FuzzFile MakeFile(Random random, string name, int number)
        {
            var text = RandomNgrams.Rows(number * 7 + name.Length, random.Next(3, 40), crlf: random.Next(4) == 0, finalNewline: random.Next(3) != 0);
            if (random.Next(10) < 7)
            {
                text = DamageRows(random, text, random.Next(1, 5));
            }

            bool gzip = random.Next(2) == 0;
            if (!gzip)
            {
                // Plain damage only changes the text: the reference reads the same bytes.
                if (random.Next(4) == 0)
                {
                    text = DamageBytes(random, text, out _);
                }

                // A text that starts with the gzip magic would be read as gzip; that is a different input.
                if (text.Length >= 2 && text[0] == 0x1f && text[1] == 0x8b)
                {
                    text[0] = (byte)'x';
                }

                return new FuzzFile(name, text, text, Gzip: false, FileDamage: null);
            }

            var stored = RandomNgrams.Gzip(text, members: random.Next(1, 4), out var ends);
            string? damage = null;
            if (random.Next(3) == 0)
            {
                int length = stored.Length;
                stored = DamageBytes(random, stored, out damage, keepMagic: true);

                // Cut exactly where a member ends, the file is a valid gzip file of the members
                // before: intact, and shorter. Found at 16,000 cases (cases 2689 and 8307).
                if (stored.Length < length && ends.FirstOrDefault(e => e.Stored == stored.Length) is { Stored: > 0 } end)
                {
                    return new FuzzFile(name, stored, text[..end.Text], Gzip: true, FileDamage: null);
                }
            }

            return new FuzzFile(name, stored, text, Gzip: true, damage);
        }

        /// <summary>Damages <paramref name="count"/> lines: tabs dropped, doubled or added, junk in numbers, huge numbers, empty lines, stray CRs, joined or very long lines.</summary>
        private static byte[] DamageRows(Random random, byte[] text, int count)
        {
            var lines = Encoding.Latin1.GetString(text).Split('\n').ToList();
            for (int i = 0; i < count && lines.Count > 0; i++)
            {
                int at = random.Next(lines.Count);
                string line = lines[at];
                int tab = line.IndexOf('\t', StringComparison.Ordinal);
                int pos = line.Length == 0 ? 0 : random.Next(line.Length + 1);
                lines[at] = random.Next(13) switch
                {
                    0 when tab >= 0 => line.Remove(tab, 1),
                    1 when tab >= 0 => line.Insert(tab, "\t"),
                    2 => line.Insert(pos, "\t"),
                    3 => line.Insert(pos, s_junk[random.Next(s_junk.Length)]),
                    4 => ReplaceColumn(line, random.Next(1, 4), new string('9', random.Next(19, 26))),
                    5 => ReplaceColumn(line, 2, "9223372036854775807"),
                    6 => ReplaceColumn(line, random.Next(1, 4), ""),
                    7 => ReplaceColumn(line, 0, ""),
                    8 => line.Insert(pos, "\r"),
                    9 => line + "\r",
                    10 when at + 1 < lines.Count => line + lines[at + 1],
                    11 => new string('w', random.Next(100, 300)) + line,
                    _ => "",
                };
                if (random.Next(6) == 0)
                {
                    lines.Insert(at, random.Next(2) == 0 ? "" : "\r");
                }
            }

            return Encoding.Latin1.GetBytes(string.Join('\n', lines));
        }

        private static string ReplaceColumn(string line, int column, string value)
        {
            var columns = line.Split('\t');
            if (column < columns.Length)
            {
                columns[column] = value;
            }

            return string.Join('\t', columns);
        }

        /// <summary>Cuts, flips or appends bytes. With <paramref name="keepMagic"/> the first two bytes stay: without them a file is not gzip at all, and is read as text.</summary>
        private static byte[] DamageBytes(Random random, byte[] data, out string damage, bool keepMagic = false)
        {
            int first = keepMagic ? 2 : 0;
            switch (data.Length <= first + 1 ? 2 : random.Next(3))
            {
                case 0:
                    int cut = random.Next(first, data.Length);
                    damage = $"cut at {cut} of {data.Length}";
                    return data[..cut];
                case 1:
                    var flipped = (byte[])data.Clone();
                    int flips = random.Next(1, 4);
                    for (int i = 0; i < flips; i++)
                    {
                        flipped[random.Next(first, flipped.Length)] ^= (byte)random.Next(1, 256);
                    }

                    damage = $"{flips} bytes flipped";
                    return flipped;
                default:
                    var garbage = new byte[random.Next(1, 40)];
                    random.NextBytes(garbage);
                    damage = $"{garbage.Length} bytes of garbage appended";
                    return [.. data, .. garbage];
            }
        }
    }
}
