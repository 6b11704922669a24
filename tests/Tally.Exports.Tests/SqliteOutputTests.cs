using System.Text;
using Microsoft.Data.Sqlite;
using Tally.Exports.Sqlite;
using Tally.Testing;

namespace Tally.Exports.Tests;

/// <summary>The SQLite output: a new file appears whole; an existing database gets its <c>totals</c> replaced in one transaction and keeps everything else.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SqliteOutputTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Write_ExistingDatabase_ReplacesTotalsAndKeepsOtherTables()
    {
        string path = Path.Combine(_folder.Path, "ngrams.db");
        Execute(path, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine'); CREATE TABLE totals (ngram TEXT, total INTEGER); INSERT INTO totals VALUES ('old', 1);");
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(11, 500));

        await new SqliteOutputFormat().WriteAsync(result, path);

        Assert.Equal([("mine", 0L)], Readers.Sqlite(path, "SELECT text, 0 FROM notes"));
        Assert.Equal(result.Count, Readers.Sqlite(path, "SELECT ngram, total FROM totals").Count);
        Assert.DoesNotContain(("old", 1L), Readers.Sqlite(path, "SELECT ngram, total FROM totals"));
        Assert.Equal(
            "CREATE TABLE totals (ngram TEXT PRIMARY KEY, total INTEGER NOT NULL) WITHOUT ROWID",
            Readers.Sqlite(path, "SELECT sql, 0 FROM sqlite_master WHERE name = 'totals'").Single().Key);
    }

    [Fact]
    public async Task Write_ExistingDatabaseCancelled_KeepsTheOldTable()
    {
        string path = Path.Combine(_folder.Path, "ngrams.db");
        Execute(path, "CREATE TABLE notes (text TEXT); CREATE TABLE totals (ngram TEXT, total INTEGER); INSERT INTO totals VALUES ('old', 1);");
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(12, 500));
        // The load checks the token only between chunks of rows, inside its transaction, so this
        // fails after the old table was dropped and the new one created: both are rolled back.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SqliteOutputFormat().WriteAsync(result, path, new CancellationToken(canceled: true)));

        Assert.Equal([("old", 1L)], Readers.Sqlite(path, "SELECT ngram, total FROM totals"));
        Assert.Equal(["ngrams.db"], Directory.GetFiles(_folder.Path, "ngrams*").Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("ngram\ttotal\n")]
    [InlineData("x")]
    public async Task Write_NotADatabase_FailsAndLeavesTheFile(string content)
    {
        string path = _folder.Write("ngrams.db", Encoding.UTF8.GetBytes(content));
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(13, 10));

        var error = await Assert.ThrowsAsync<IOException>(() => new SqliteOutputFormat().WriteAsync(result, path));

        Assert.Contains("is not a SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public async Task Write_SymbolicLinkToADatabase_UpdatesItsTargetAndKeepsTheLink()
    {
        string target = Path.Combine(_folder.Path, "real.db");
        Execute(target, "CREATE TABLE notes (text TEXT);");
        string link = Path.Combine(_folder.Path, "link.db");
        File.CreateSymbolicLink(link, target);
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(14, 50));

        await new SqliteOutputFormat().WriteAsync(result, link);

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(result.Count, Readers.Sqlite(target, "SELECT ngram, total FROM totals").Count);
    }

    [Fact]
    public async Task Write_NewFile_LeavesNoJournalOrTemporaryFile()
    {
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(15, 50));
        string path = Path.Combine(_folder.Path, "new.sqlite");

        await new SqliteOutputFormat().WriteAsync(result, path);

        Assert.Equal(["input.tsv", "new.sqlite"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Write_EmptyFile_BecomesADatabaseKeepingItsPermissions()
    {
        string path = _folder.Write("empty.db", []);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(17, 20));

        await new SqliteOutputFormat().WriteAsync(result, path);

        Assert.Equal(result.Count, Readers.Sqlite(path, "SELECT ngram, total FROM totals").Count);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Write_Stream_IsNotSupported()
    {
        var result = await AwkwardData.CountAsync(_folder, AwkwardData.Rows(16, 5));
        var format = new SqliteOutputFormat();

        Assert.False(format.CanWriteStream);
        await Assert.ThrowsAsync<NotSupportedException>(() => format.WriteAsync(result, new MemoryStream()));
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
