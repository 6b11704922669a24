using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Tally.Output;

/// <summary>One column of a <see cref="RecordTable"/>: its name, its type and all of its values, in row order.</summary>
/// <remarks>
/// <para>
/// The values are copied when the column is made, so a column never changes. No value is null:
/// every column is <c>NOT NULL</c> in every format.
/// </para>
/// <para>
/// Text is a .NET string that may carry bytes that are not valid UTF-8 as Python's
/// <c>surrogateescape</c> does (each such byte 0xHH as the lone surrogate U+DC00 + 0xHH, as
/// Tally reads names and arguments): the formats turn the text back into those bytes and write
/// them as count writes a key (TSV the bytes as they are, the others in the
/// <see cref="Formats.KeyEscape"/> form). Any other lone surrogate is written as U+FFFD.
/// </para>
/// </remarks>
public sealed class RecordColumn
{
    private readonly string[]? _texts;
    private readonly long[]? _integers;
    private readonly double[]? _reals;

    private RecordColumn(string name, RecordKind kind, int count, string[]? texts, long[]? integers, double[]? reals)
    {
        Name = name;
        Kind = kind;
        Count = count;
        _texts = texts;
        _integers = integers;
        _reals = reals;
    }

    /// <summary>The column's name: its header in TSV and CSV, its key in JSON Lines, its name in Parquet and SQLite.</summary>
    public string Name { get; }

    /// <summary>The column's type.</summary>
    public RecordKind Kind { get; }

    /// <summary>The number of values (rows).</summary>
    public int Count { get; }

    /// <summary>The values when <see cref="Kind"/> is <see cref="RecordKind.Text"/>.</summary>
    internal ReadOnlyMemory<string> Texts => _texts ?? throw WrongKind(RecordKind.Text);

    /// <summary>The values when <see cref="Kind"/> is <see cref="RecordKind.Integer"/>.</summary>
    internal ReadOnlyMemory<long> Integers => _integers ?? throw WrongKind(RecordKind.Integer);

    /// <summary>The values when <see cref="Kind"/> is <see cref="RecordKind.Real"/>.</summary>
    internal ReadOnlyMemory<double> Reals => _reals ?? throw WrongKind(RecordKind.Real);

    /// <summary>A text column.</summary>
    /// <exception cref="ArgumentException">The name is empty, or a value is null.</exception>
    public static RecordColumn Text(string name, IReadOnlyList<string> values)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(values);
        string[] texts = [.. values];
        int missing = Array.IndexOf(texts, null);
        if (missing >= 0)
        {
            throw new ArgumentException($"Column \"{name}\": the value of row {missing} is null; a record column holds no nulls.", nameof(values));
        }

        return new RecordColumn(name, RecordKind.Text, texts.Length, texts, null, null);
    }

    /// <summary>A column of 64-bit integers.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Named after RecordKind.Integer, as Text and Real are after theirs.")]
    public static RecordColumn Integer(string name, IReadOnlyList<long> values)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(values);
        long[] integers = [.. values];
        return new RecordColumn(name, RecordKind.Integer, integers.Length, null, integers, null);
    }

    /// <summary>A column of finite doubles.</summary>
    /// <remarks>
    /// NaN and the infinities are refused here, where the mistake is made, rather than written:
    /// JSON has no spelling for them and SQLite stores NaN as NULL, so no format could keep them
    /// the same. Negative zero is kept (<c>-0.0</c> in text).
    /// </remarks>
    /// <exception cref="ArgumentException">The name is empty, or a value is NaN or infinite.</exception>
    public static RecordColumn Real(string name, IReadOnlyList<double> values)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(values);
        double[] reals = [.. values];
        for (int row = 0; row < reals.Length; row++)
        {
            if (!double.IsFinite(reals[row]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Column \"{name}\": the value of row {row} is {reals[row]}; a record column holds finite numbers only."),
                    nameof(values));
            }
        }

        return new RecordColumn(name, RecordKind.Real, reals.Length, null, null, reals);
    }

    /// <summary>The value of row <paramref name="row"/> of a text column.</summary>
    /// <exception cref="InvalidOperationException">The column is not text.</exception>
    public string TextAt(int row) => Texts.Span[row];

    /// <summary>The value of row <paramref name="row"/> of an integer column.</summary>
    /// <exception cref="InvalidOperationException">The column is not of integers.</exception>
    public long IntegerAt(int row) => Integers.Span[row];

    /// <summary>The value of row <paramref name="row"/> of a real column.</summary>
    /// <exception cref="InvalidOperationException">The column is not of reals.</exception>
    public double RealAt(int row) => Reals.Span[row];

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Kind}, {Count} values)";

    private static void CheckName(string name) => ArgumentException.ThrowIfNullOrEmpty(name);

    private InvalidOperationException WrongKind(RecordKind asked)
        => new($"Column \"{Name}\" holds {Kind} values, not {asked}.");
}
