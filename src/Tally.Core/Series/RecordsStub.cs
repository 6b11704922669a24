#pragma warning disable CS1591, CA1720
namespace Tally.Output;

// TEMPORARY until the records branch lands: the API it adds.
public enum RecordKind { Text, Integer, Real }

public sealed class RecordColumn
{
    private RecordColumn(string name, RecordKind kind, int count, object values) { Name = name; Kind = kind; Count = count; Values = values; }
    public string Name { get; }
    public RecordKind Kind { get; }
    public int Count { get; }
    internal object Values { get; }
    public static RecordColumn Text(string name, IReadOnlyList<string> values) => new(name, RecordKind.Text, values.Count, values);
    public static RecordColumn Integer(string name, IReadOnlyList<long> values) => new(name, RecordKind.Integer, values.Count, values);
    public static RecordColumn Real(string name, IReadOnlyList<double> values) => new(name, RecordKind.Real, values.Count, values);
}

public sealed class RecordTable(string name, IReadOnlyList<RecordColumn> columns)
{
    public string Name { get; } = name;
    public IReadOnlyList<RecordColumn> Columns { get; } = columns;
    public int RowCount => Columns[0].Count;
}
