using Microsoft.Data.Sqlite;
using Tally.Output;
using Tally.Output.Formats;
using Tally.Platform;

namespace Tally.Exports.Sqlite;

/// <summary>A SQLite database with a table <c>totals(ngram TEXT PRIMARY KEY, total INTEGER NOT NULL)</c>, loaded in one transaction with a prepared statement, in the ngrams' byte order.</summary>
/// <remarks>
/// <para>
/// A new file is built under a temporary name and renamed into place, like every output. An
/// existing database is updated in place, in one transaction that drops any old <c>totals</c>,
/// creates and loads the new one: SQLite's own atomic commit makes the new table appear whole
/// or not at all, the old one stays until then, and every other table, index and view is
/// kept. A file at the path that is not a SQLite database is an error, never overwritten (an
/// empty file is replaced by a new database).
/// </para>
/// <para>
/// The table is <c>WITHOUT ROWID</c>: it is itself the B-tree of its primary key, so the rows are
/// stored once, in key order, and loading sorted keys only appends. A key that is not valid UTF-8 is
/// stored in the <see cref="KeyEscape"/> form. A database cannot be streamed:
/// <see cref="OutputFormat.CanWriteStream"/> is false.
/// </para>
/// </remarks>
public sealed class SqliteOutputFormat : OutputFormat
{
    /// <summary>The table's name.</summary>
    public const string TableName = "totals";

    /// <summary>Rows of a record table inserted between looks at the cancellation token.</summary>
    private const int CancellationCheckRows = 4096;

    /// <inheritdoc/>
    public override string Name => "sqlite";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions { get; } = [".sqlite", ".db", ".sqlite3"];

    /// <inheritdoc/>
    public override bool CanWriteStream => false;

    /// <inheritdoc/>
    public override Task WriteAsync(CountResult result, Stream destination, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("a SQLite database is written to a file, not a stream");

    /// <inheritdoc/>
    public override Task WriteAsync(CountResult result, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return WriteDatabaseAsync(path, (connection, token) => FillTotalsAsync(connection, result, token), cancellationToken);
    }

    /// <inheritdoc/>
    public override bool CanWriteRecords => true;

    /// <inheritdoc/>
    public override Task WriteRecordsAsync(RecordTable table, Stream destination, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("a SQLite database is written to a file, not a stream");

    /// <summary>Writes <paramref name="table"/> as a table named <see cref="RecordTable.Name"/> with typed columns (<c>TEXT</c>, <c>INTEGER</c>, <c>REAL</c>, all <c>NOT NULL</c>), its rows inserted in the order given, in one transaction.</summary>
    /// <remarks>
    /// As for count's totals: a new file is built under a temporary name and renamed into place; an
    /// existing database gets its table of that name dropped and rebuilt in one transaction, every
    /// other table kept. It is an ordinary rowid table with no key (rows may repeat a value), so
    /// the rowid keeps the order given. Text is stored in the <see cref="KeyEscape"/> form. A real
    /// reads back bit for bit but for <c>-0.0</c>, which SQLite itself stores as <c>0.0</c>.
    /// </remarks>
    public override Task WriteRecordsAsync(RecordTable table, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        return WriteDatabaseAsync(path, (connection, token) => FillRecords(connection, table, token), cancellationToken);
    }

    /// <summary>Creates or updates the database at <paramref name="path"/>: <paramref name="fill"/> builds its table inside one transaction.</summary>
    private static Task WriteDatabaseAsync(string path, Func<SqliteConnection, CancellationToken, Task> fill, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = OutputPath.Target(path);
        var status = UnixFile.Stat(target);
        if (status.Kind == UnixFileKind.Regular && status.Size > 0)
        {
            // SQLite itself takes a file shorter than its header for an empty database and
            // overwrites it: a short text file named out.db must be refused, not replaced.
            return IsDatabase(target)
                ? WithMessagesAsync(path, LoadAsync(target, newFile: false, fill, cancellationToken))
                : throw new IOException($"{path}: is not a SQLite database; it was left as it is (give another path, or remove it)");
        }

        return WithMessagesAsync(path, AtomicFile.WriteFileAsync(path, temporary => LoadAsync(temporary, newFile: true, fill, cancellationToken), cancellationToken));
    }

    /// <summary>Whether the file starts with SQLite's header string.</summary>
    private static bool IsDatabase(string file)
    {
        Span<byte> header = stackalloc byte[16];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        return stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.SequenceEqual("SQLite format 3\0"u8);
    }

    /// <summary>A SQLite error as an <see cref="IOException"/> naming the output, as every output's write error is.</summary>
    private static async Task WithMessagesAsync(string path, Task load)
    {
        try
        {
            await load.ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 26 /* SQLITE_NOTADB */)
        {
            throw new IOException($"{path}: is not a SQLite database; it was left as it is (give another path, or remove it)", e);
        }
        catch (SqliteException e)
        {
            throw new IOException($"{path}: {e.Message}", e);
        }
    }

    private static async Task LoadAsync(string file, bool newFile, Func<SqliteConnection, CancellationToken, Task> fill, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Mode = newFile ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        await using (connection.ConfigureAwait(false))
        {
            // Opened without the token: cancellation is seen between chunks of rows, inside the
            // transaction, whose rollback is what makes a cut-short load leave no trace.
            connection.Open();
            if (newFile)
            {
                // A new file is a temporary one, deleted on failure and flushed to disk once
                // written (AtomicFile): SQLite's journal and per-commit syncs would protect
                // nothing. Large pages make the sorted load mostly appends to a few pages.
                Execute(connection, "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;");
            }

            var transaction = connection.BeginTransaction();
            await using (transaction.ConfigureAwait(false))
            {
                await fill(connection, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                transaction.Commit();
            }
        }
    }

    private static async Task FillTotalsAsync(SqliteConnection connection, CountResult result, CancellationToken cancellationToken)
    {
        Execute(connection, $"DROP TABLE IF EXISTS {TableName}; CREATE TABLE {TableName} (ngram TEXT PRIMARY KEY, total INTEGER NOT NULL) WITHOUT ROWID;");
        using var insert = new RowInserter(connection, $"INSERT INTO {TableName} (ngram, total) VALUES (?1, ?2)");
        await result.WalkSortedAsync(
            (chunk, token) =>
            {
                for (int row = 0; row < chunk.Count; row++)
                {
                    insert.Insert(chunk.Key(row), chunk.Total(row));
                }

                return ValueTask.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static Task FillRecords(SqliteConnection connection, RecordTable table, CancellationToken cancellationToken)
    {
        string name = Identifier(table.Name);
        string columns = string.Join(", ", table.Columns.Select(c => $"{Identifier(c.Name)} {SqlType(c.Kind)} NOT NULL"));
        Execute(connection, $"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} ({columns});");
        using var insert = connection.CreateCommand();
        insert.CommandText = $"INSERT INTO {name} VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"${i}"))})";
        var parameters = table.Columns.Select((c, i) => insert.Parameters.Add($"${i}", ParameterType(c.Kind))).ToArray();
        insert.Prepare();
        for (int row = 0; row < table.RowCount; row++)
        {
            if (row % CancellationCheckRows == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (int column = 0; column < parameters.Length; column++)
            {
                var values = table.Columns[column];
                parameters[column].Value = values.Kind switch
                {
                    RecordKind.Text => RecordCells.EscapedText(values.TextAt(row)),
                    RecordKind.Integer => values.IntegerAt(row),
                    _ => values.RealAt(row),
                };
            }

            insert.ExecuteNonQuery();
        }

        return Task.CompletedTask;
    }

    private static string SqlType(RecordKind kind) => kind switch
    {
        RecordKind.Text => "TEXT",
        RecordKind.Integer => "INTEGER",
        _ => "REAL",
    };

    private static SqliteType ParameterType(RecordKind kind) => kind switch
    {
        RecordKind.Text => SqliteType.Text,
        RecordKind.Integer => SqliteType.Integer,
        _ => SqliteType.Real,
    };

    /// <summary><paramref name="name"/> as a quoted SQL identifier: any name, a quote doubled.</summary>
    private static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
