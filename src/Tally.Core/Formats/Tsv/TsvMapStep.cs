using System.Buffers;
using System.Globalization;
using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Mapping;

namespace Tally.Formats.Tsv;

/// <summary>
/// <c>--format tsv</c>: generic delimited columns. The key is one column, or several joined with a
/// TAB; the value column holds non-negative integers, summed in checked 64 bits.
/// </summary>
/// <remarks>
/// Columns are 1-based. Quoted CSV fields are not parsed: a delimiter inside quotes still splits.
/// A line with fewer columns than asked for, or a value that is not a non-negative integer, is
/// malformed. With <see cref="Header"/> the first line of the source is passed over.
/// </remarks>
public sealed class TsvMapStep : MapStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "tsv";

    /// <summary>The most columns a key or value may be read from.</summary>
    public const int MaxColumn = 4096;

    private readonly int[] _keys;
    private readonly int _columns;
    private readonly KeyRules? _rules;

    /// <summary>A step reading the key from <paramref name="keyColumns"/> and the value from <paramref name="valueColumn"/>.</summary>
    /// <param name="keyColumns">1-based columns joined with TAB into the key.</param>
    /// <param name="valueColumn">1-based column of the integer value.</param>
    /// <param name="delimiter">An ASCII character other than a line end; TAB by default.</param>
    /// <param name="header">Pass over the first line of each source.</param>
    /// <param name="ignoreCase">Fold keys to lower case (<see cref="KeyFold"/>).</param>
    /// <exception cref="ArgumentException">A column out of 1 to <see cref="MaxColumn"/>, no key column, or a delimiter that is not one ASCII byte or is a line end.</exception>
    public TsvMapStep(IReadOnlyList<int> keyColumns, int valueColumn, char delimiter = '\t', bool header = false, bool ignoreCase = false)
        : base(StepName)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        if (keyColumns.Count == 0)
        {
            throw new ArgumentException("at least one key column is needed", nameof(keyColumns));
        }

        foreach (int column in keyColumns.Append(valueColumn))
        {
            if (column is < 1 or > MaxColumn)
            {
                throw new ArgumentOutOfRangeException(nameof(keyColumns), column, $"a column must be between 1 and {MaxColumn}");
            }
        }

        if (delimiter > 0x7F || delimiter is '\n' or '\r')
        {
            throw new ArgumentException($"the delimiter must be one ASCII character other than a line end, not U+{(int)delimiter:X4}", nameof(delimiter));
        }

        _keys = [.. keyColumns];
        KeyColumns = _keys.AsReadOnly();
        ValueColumn = valueColumn;
        Delimiter = delimiter;
        Header = header;
        IgnoreCase = ignoreCase;
        _columns = _keys.Append(valueColumn).Max();
        _rules = KeyRules.Folding(ignoreCase);
    }

    /// <summary>The 1-based key columns, joined with TAB.</summary>
    public IReadOnlyList<int> KeyColumns { get; }

    /// <summary>The 1-based value column.</summary>
    public int ValueColumn { get; }

    /// <summary>The column delimiter.</summary>
    public char Delimiter { get; }

    /// <summary>Whether each source's first line is a header, passed over.</summary>
    public bool Header { get; }

    /// <summary>Whether keys are folded to lower case.</summary>
    public bool IgnoreCase { get; }

    /// <inheritdoc/>
    /// <remarks>Such as <c>key=1,3;value=2;delimiter=44;header;ignore-case</c>: the delimiter as its character code, left out when TAB.</remarks>
    public override string Arguments
        => string.Join(';', new[]
        {
            "key=" + string.Join(',', _keys),
            "value=" + ValueColumn.ToString(CultureInfo.InvariantCulture),
            Delimiter == '\t' ? null : "delimiter=" + ((int)Delimiter).ToString(CultureInfo.InvariantCulture),
            Header ? "header" : null,
            IgnoreCase ? "ignore-case" : null,
        }.OfType<string>());

    /// <summary>Builds the step from its <see cref="Arguments"/>, as a worker process does.</summary>
    /// <exception cref="ArgumentException">Not arguments this step writes.</exception>
    public static TsvMapStep Parse(string arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        int[]? keys = null;
        int? value = null;
        char delimiter = '\t';
        bool header = false;
        bool ignoreCase = false;
        try
        {
            foreach (string part in arguments.Split(';'))
            {
                if (part.StartsWith("key=", StringComparison.Ordinal))
                {
                    keys = [.. part[4..].Split(',').Select(c => int.Parse(c, NumberStyles.None, CultureInfo.InvariantCulture))];
                }
                else if (part.StartsWith("value=", StringComparison.Ordinal))
                {
                    value = int.Parse(part[6..], NumberStyles.None, CultureInfo.InvariantCulture);
                }
                else if (part.StartsWith("delimiter=", StringComparison.Ordinal))
                {
                    delimiter = (char)int.Parse(part[10..], NumberStyles.None, CultureInfo.InvariantCulture);
                }
                else if (part == "header")
                {
                    header = true;
                }
                else if (part == "ignore-case")
                {
                    ignoreCase = true;
                }
                else
                {
                    throw new ArgumentException($"\"{part}\" is not a tsv argument", nameof(arguments));
                }
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"\"{arguments}\" are not tsv arguments: {e.Message}", nameof(arguments), e);
        }

        var step = new TsvMapStep(keys ?? throw new ArgumentException("no key= argument", nameof(arguments)),
            value ?? throw new ArgumentException("no value= argument", nameof(arguments)), delimiter, header, ignoreCase);
        return step.Arguments == arguments ? step : throw new ArgumentException($"\"{arguments}\" is not in canonical form (\"{step.Arguments}\")", nameof(arguments));
    }

    /// <inheritdoc/>
    public override string KeyOf(string key) => IgnoreCase ? KeyFold.Fold(key) : key;

    /// <inheritdoc/>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
    {
        byte delimiter = (byte)Delimiter;

        // Start and end of each column up to the last one used, per line.
        int[] bounds = ArrayPool<int>.Shared.Rent(_columns * 2);
        byte[]? joined = null;
        try
        {
            long rows = 0;
            int offset = 0;
            if (Header && context.FirstLine == 1 && !block.IsEmpty)
            {
                int first = block.IndexOf((byte)'\n');
                offset = first < 0 ? block.Length : first + 1;
            }

            while (offset < block.Length)
            {
                var rest = block[offset..];
                int newline = rest.IndexOf((byte)'\n');
                var line = newline < 0 ? rest : rest[..newline];
                if (line.EndsWith((byte)'\r'))
                {
                    line = line[..^1];
                }

                int lineStart = offset;
                offset += newline < 0 ? rest.Length : newline + 1;
                if (line.IsEmpty)
                {
                    context.Malformed(block, lineStart, "empty line");
                    continue;
                }

                int found = Columns(line, delimiter, bounds);
                if (found < _columns)
                {
                    context.Malformed(block, lineStart, $"expected at least {_columns} columns separated by {Shown(Delimiter)}, found {found}");
                    continue;
                }

                var text = line[bounds[(ValueColumn - 1) * 2]..bounds[((ValueColumn - 1) * 2) + 1]];
                if (!TryParseValue(text, out long value, out string? problem))
                {
                    context.Malformed(block, lineStart, problem);
                    continue;
                }

                ReadOnlySpan<byte> key;
                if (_keys.Length == 1)
                {
                    key = line[bounds[(_keys[0] - 1) * 2]..bounds[((_keys[0] - 1) * 2) + 1]];
                }
                else
                {
                    if (joined is null || joined.Length < line.Length)
                    {
                        if (joined is not null)
                        {
                            ArrayPool<byte>.Shared.Return(joined);
                        }

                        joined = ArrayPool<byte>.Shared.Rent(Math.Max(line.Length, 256));
                    }

                    key = Join(line, bounds, joined);
                }

                Add(table, key, value, context.SourceName);
                rows++;
            }

            return rows;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(bounds);
            if (joined is not null)
            {
                ArrayPool<byte>.Shared.Return(joined);
            }
        }
    }

    /// <summary>Fills <paramref name="bounds"/> with the start and end of each column up to the last one used; returns the columns found (at most that many).</summary>
    private int Columns(ReadOnlySpan<byte> line, byte delimiter, int[] bounds)
    {
        int start = 0;
        for (int column = 0; column < _columns; column++)
        {
            int end = line[start..].IndexOf(delimiter);
            bounds[column * 2] = start;
            if (end < 0)
            {
                bounds[(column * 2) + 1] = line.Length;
                return column + 1;
            }

            bounds[(column * 2) + 1] = start + end;
            start += end + 1;
        }

        return _columns;
    }

    private ReadOnlySpan<byte> Join(ReadOnlySpan<byte> line, int[] bounds, byte[] into)
    {
        // Joined with TAB, no longer than the line: the columns and one separator between each.
        int length = 0;
        for (int i = 0; i < _keys.Length; i++)
        {
            if (i > 0)
            {
                into[length++] = (byte)'\t';
            }

            var column = line[bounds[(_keys[i] - 1) * 2]..bounds[((_keys[i] - 1) * 2) + 1]];
            if (length + column.Length > into.Length)
            {
                // The same column twice can be longer than the line; rare, so a new array.
                var larger = new byte[(length + column.Length) * 2];
                into.AsSpan(0, length).CopyTo(larger);
                into = larger;
            }

            column.CopyTo(into.AsSpan(length));
            length += column.Length;
        }

        return into.AsSpan(0, length);
    }

    private void Add(CountTable table, ReadOnlySpan<byte> key, long value, string source)
    {
        try
        {
            if (_rules is null)
            {
                table.Add(key, value);
            }
            else
            {
                _rules.Add(table, key, value);
            }
        }
        catch (OverflowException e)
        {
            throw new TallyDataException(source, null, e.Message, e);
        }
    }

    private bool TryParseValue(ReadOnlySpan<byte> text, out long value, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        value = 0;
        if (text.IsEmpty || text.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            problem = $"column {ValueColumn} (value): \"{KeyText.Display(text)}\" is not a non-negative integer";
            return false;
        }

        foreach (byte b in text)
        {
            long digit = b - '0';
            if (value > (long.MaxValue - digit) / 10)
            {
                problem = $"column {ValueColumn} (value): \"{KeyText.Display(text)}\" does not fit in a signed 64-bit integer";
                return false;
            }

            value = (value * 10) + digit;
        }

        problem = null;
        return true;
    }

    private static string Shown(char delimiter) => delimiter switch
    {
        '\t' => "TAB",
        ' ' => "space",
        _ => $"'{delimiter}'",
    };
}
