namespace Tally.Output;

/// <summary>A table of typed columns that every output format can write (<see cref="OutputFormat.WriteRecordsAsync(RecordTable, string, CancellationToken)"/>): a tidy table such as a per-year series, as against count's sorted totals.</summary>
/// <remarks>
/// Rows are written in the order given, columns in the order given. The table holds its values in
/// memory: it is for results of a modest size (a series is rows of ngrams times years), not for
/// count's totals, which are streamed from their sort.
/// </remarks>
public sealed class RecordTable
{
    /// <param name="name">The table's name where a format has one (SQLite's table, such as <c>series</c>).</param>
    /// <param name="columns">At least one column, all with the same number of values, names distinct ignoring case (SQLite and DuckDB fold case).</param>
    /// <exception cref="ArgumentException">No columns, columns of different lengths, two names alike, or an empty name.</exception>
    public RecordTable(string name, IReadOnlyList<RecordColumn> columns)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ArgumentException($"Table \"{name}\" has no columns; a record table has at least one.", nameof(columns));
        }

        RecordColumn[] copied = [.. columns];
        if (Array.IndexOf(copied, null) >= 0)
        {
            throw new ArgumentException($"Table \"{name}\": a column is null.", nameof(columns));
        }

        if (copied.FirstOrDefault(c => c.Count != copied[0].Count) is { } uneven)
        {
            throw new ArgumentException($"Table \"{name}\": column \"{uneven.Name}\" has {uneven.Count} values but \"{copied[0].Name}\" has {copied[0].Count}; every column has one value per row.", nameof(columns));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (copied.FirstOrDefault(c => !names.Add(c.Name)) is { } twice)
        {
            throw new ArgumentException($"Table \"{name}\": two columns are named \"{twice.Name}\" (ignoring case).", nameof(columns));
        }

        Name = name;
        Columns = copied;
        RowCount = copied[0].Count;
    }

    /// <summary>The table's name (SQLite's table).</summary>
    public string Name { get; }

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<RecordColumn> Columns { get; }

    /// <summary>The number of rows: every column's <see cref="RecordColumn.Count"/>.</summary>
    public int RowCount { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Columns.Count} columns, {RowCount} rows)";
}
