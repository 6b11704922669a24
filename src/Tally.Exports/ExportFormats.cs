using Tally.Exports.Parquet;
using Tally.Exports.Sqlite;
using Tally.Output;

namespace Tally.Exports;

/// <summary>The outputs of this assembly: <c>parquet</c> and <c>sqlite</c>.</summary>
public static class ExportFormats
{
    /// <summary>Adds Parquet and SQLite to <paramref name="registry"/>.</summary>
    /// <returns>The registry, to chain calls.</returns>
    public static OutputFormatRegistry AddExports(this OutputFormatRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new ParquetOutputFormat()).Add(new SqliteOutputFormat());
    }
}
