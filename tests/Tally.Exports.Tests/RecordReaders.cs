using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using Tally.Output.Formats;

namespace Tally.Exports.Tests;

/// <summary>Reads a record table back from each format: TSV, CSV and JSON Lines parsed here, Parquet through DuckDB, SQLite through SQLite; text as the bytes it stands for (escapes undone).</summary>
internal static class RecordReaders
{
    /// <summary>The column names and the rows (text as <see cref="byte"/> arrays, integers as <see cref="long"/>, reals as <see cref="double"/>), in file order.</summary>
    public static (List<string> Names, List<object[]> Rows) Read(string format, string path, IReadOnlyList<char> kinds) => format switch
    {
        "tsv" => ReadTsv(path, kinds),
        "csv" => ReadCsv(path, kinds),
        "jsonl" => ReadJsonl(path, kinds),
        "parquet" => Duck($"SELECT * FROM read_parquet({Readers.Quote(path)})"),
        "sqlite" => Sqlite(path, "SELECT * FROM series ORDER BY rowid"),
        _ => throw new ArgumentException(format),
    };

    /// <summary>The column types a SQL consumer sees: DuckDB's for Parquet and, guessed from the values, for the text formats; the declared ones for SQLite.</summary>
    public static List<string> Types(string format, string path) => format switch
    {
        "tsv" => DuckTypes($"read_csv({Readers.Quote(path)}, delim = '\t', header = true)"),
        "csv" => DuckTypes($"read_csv({Readers.Quote(path)}, header = true)"),
        "jsonl" => DuckTypes($"read_json({Readers.Quote(path)}, format = 'newline_delimited')"),
        "parquet" => DuckTypes($"read_parquet({Readers.Quote(path)})"),
        "sqlite" => Sqlite(path, "SELECT type FROM pragma_table_info('series') ORDER BY cid").Rows.Select(r => Encoding.UTF8.GetString((byte[])r[0])).ToList(),
        _ => throw new ArgumentException(format),
    };

    private static List<string> DuckTypes(string source)
        => [.. Duck($"SELECT column_type FROM (DESCRIBE SELECT * FROM {source})").Rows.Select(r => Encoding.UTF8.GetString((byte[])r[0]))];

    /// <summary>The rows of a query on a SQLite database.</summary>
    public static (List<string> Names, List<object[]> Rows) Sqlite(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        return Collect(reader);
    }

    private static (List<string> Names, List<object[]> Rows) Duck(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        return Collect(reader);
    }

    private static (List<string> Names, List<object[]> Rows) Collect(System.Data.Common.DbDataReader reader)
    {
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var row = new object[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                object value = reader.GetValue(i);
                row[i] = value is string text ? KeyEscape.Unescape(text) : value;
            }

            rows.Add(row);
        }

        return (names, rows);
    }

    private static (List<string> Names, List<object[]> Rows) ReadTsv(string path, IReadOnlyList<char> kinds)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 0 && bytes[^1] == '\n', "a TSV file ends with a line end");
        var lines = Split(bytes[..^1], (byte)'\n');
        var names = Split(lines[0], (byte)'\t').Select(n => Encoding.UTF8.GetString(n)).ToList();
        var rows = lines.Skip(1).Select(line => Typed(Split(line, (byte)'\t').Select(f => (object)f).ToList(), kinds)).ToList();
        return (names, rows);
    }

    /// <summary>RFC 4180: fields split on commas, quoted fields may hold commas, CR, LF and doubled quotes; rows end with CRLF.</summary>
    private static (List<string> Names, List<object[]> Rows) ReadCsv(string path, IReadOnlyList<char> kinds)
    {
        string text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                for (i++; ; i++)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else if (text[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        field.Append(text[i]);
                    }
                }
            }
            else if (text[i] == ',')
            {
                record.Add(field.ToString());
                field.Clear();
                i++;
            }
            else if (text[i] == '\r')
            {
                Assert.Equal('\n', text[i + 1]);
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i += 2;
            }
            else
            {
                Assert.NotEqual('\n', text[i]);
                field.Append(text[i++]);
            }
        }

        Assert.True(record.Count == 0 && field.Length == 0, "a CSV file ends with CRLF");
        var rows = records.Skip(1).Select(r => Typed(r.Select(f => (object)KeyEscape.Unescape(f)).ToList(), kinds)).ToList();
        return (records[0], rows);
    }

    private static (List<string> Names, List<object[]> Rows) ReadJsonl(string path, IReadOnlyList<char> kinds)
    {
        var names = new List<string>();
        var rows = new List<object[]>();
        foreach (string line in File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true)).Split('\n')[..^1])
        {
            using var document = JsonDocument.Parse(line);
            var properties = document.RootElement.EnumerateObject().ToList();
            names = [.. properties.Select(p => p.Name)];
            rows.Add([.. properties.Select((p, i) => kinds[i] switch
            {
                'T' => (object)KeyEscape.Unescape(p.Value.GetString()!),
                'I' => p.Value.GetInt64(),
                _ => p.Value.GetDouble(),
            })]);
        }

        return (names, rows);
    }

    /// <summary>Fields given as bytes (TSV) or unescaped bytes (CSV), numbers parsed by their column's kind.</summary>
    private static object[] Typed(List<object> fields, IReadOnlyList<char> kinds)
    {
        Assert.Equal(kinds.Count, fields.Count);
        return [.. fields.Select((f, i) => kinds[i] switch
        {
            'T' => f,
            'I' => long.Parse(Encoding.ASCII.GetString((byte[])f), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            _ => (object)double.Parse(Encoding.ASCII.GetString((byte[])f), NumberStyles.Float, CultureInfo.InvariantCulture),
        })];
    }

    private static List<byte[]> Split(byte[] bytes, byte separator)
    {
        var parts = new List<byte[]>();
        int start = 0;
        for (int i = 0; i <= bytes.Length; i++)
        {
            if (i == bytes.Length || bytes[i] == separator)
            {
                parts.Add(bytes[start..i]);
                start = i + 1;
            }
        }

        return parts;
    }
}
