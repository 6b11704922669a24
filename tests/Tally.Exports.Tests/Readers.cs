using System.Globalization;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using Tally.Output.Formats;

namespace Tally.Exports.Tests;

/// <summary>Reads an output back with a real consumer: DuckDB for CSV, JSON Lines and Parquet, SQLite for a database, the bytes themselves for TSV.</summary>
internal static class Readers
{
    /// <summary>The rows of <paramref name="path"/>, written in <paramref name="format"/>, in file order; keys as Latin-1 strings of their bytes (escapes undone).</summary>
    public static List<(string Key, long Total)> Read(string format, string path) => format switch
    {
        "tsv" => ReadTsv(path),
        "csv" => Unescaped(Duck($"SELECT ngram, total FROM read_csv({Quote(path)}, header = true, delim = ',', quote = '\"', escape = '\"', columns = {{'ngram': 'VARCHAR', 'total': 'BIGINT'}})")),
        "jsonl" => Unescaped(Duck($"SELECT ngram, total FROM read_json({Quote(path)}, format = 'newline_delimited', columns = {{'ngram': 'VARCHAR', 'total': 'BIGINT'}})")),
        "parquet" => Unescaped(Duck($"SELECT ngram, total FROM read_parquet({Quote(path)})")),
        "sqlite" => Unescaped(Sqlite(path, "SELECT ngram, total FROM totals")),
        _ => throw new ArgumentException(format),
    };

    /// <summary>The ngram strings exactly as the consumer gives them, escapes and all.</summary>
    public static List<string> RawKeys(string format, string path) => format switch
    {
        "csv" => [.. Duck($"SELECT ngram, total FROM read_csv({Quote(path)}, header = true, delim = ',', quote = '\"', escape = '\"', columns = {{'ngram': 'VARCHAR', 'total': 'BIGINT'}})").Select(r => r.Key)],
        "jsonl" => [.. Duck($"SELECT ngram, total FROM read_json({Quote(path)}, format = 'newline_delimited', columns = {{'ngram': 'VARCHAR', 'total': 'BIGINT'}})").Select(r => r.Key)],
        "parquet" => [.. Duck($"SELECT ngram, total FROM read_parquet({Quote(path)})").Select(r => r.Key)],
        "sqlite" => [.. Sqlite(path, "SELECT ngram, total FROM totals").Select(r => r.Key)],
        _ => throw new ArgumentException(format),
    };

    /// <summary>The result of a DuckDB query's first column as a long.</summary>
    public static long DuckScalar(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static List<(string Key, long Total)> Sqlite(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    private static List<(string Key, long Total)> Duck(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    private static List<(string Key, long Total)> Unescaped(List<(string Key, long Total)> rows)
        => [.. rows.Select(r => (System.Text.Encoding.Latin1.GetString(KeyEscape.Unescape(r.Key)), r.Total))];

    private static List<(string Key, long Total)> ReadTsv(string path)
    {
        string text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        var rows = new List<(string, long)>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            int tab = line.LastIndexOf('\t');
            rows.Add((line[..tab], long.Parse(line[(tab + 1)..], CultureInfo.InvariantCulture)));
        }

        return rows;
    }
}
