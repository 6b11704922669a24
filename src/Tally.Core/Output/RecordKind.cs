using System.Diagnostics.CodeAnalysis;

namespace Tally.Output;

/// <summary>The type of a <see cref="RecordColumn"/>: what each output format stores it as.</summary>
public enum RecordKind
{
    /// <summary>Text: a TSV field of its bytes, a CSV field, a JSON string, a Parquet string, SQLite <c>TEXT</c>.</summary>
    Text,

    /// <summary>A 64-bit integer: decimal digits in text, a JSON number, Parquet <c>int64</c>, SQLite <c>INTEGER</c>.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The kind of value, named as SQLite names its type; the series engine calls it by this name.")]
    Integer,

    /// <summary>A finite double: its shortest round-trip digits in text, a JSON number, Parquet <c>double</c>, SQLite <c>REAL</c>.</summary>
    Real,
}
