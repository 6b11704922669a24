using System.Diagnostics.CodeAnalysis;
using Tally.Output.Formats.Csv;
using Tally.Output.Formats.Jsonl;

namespace Tally.Output;

/// <summary>The output formats a program offers, by name and by file extension: what <c>--output-format NAME</c> and <c>-o FILE.EXT</c> resolve.</summary>
/// <remarks>
/// A format in another assembly (Parquet, SQLite) is one <see cref="Add"/> in the program that
/// offers it; nothing else names a format.
/// </remarks>
public sealed class OutputFormatRegistry
{
    private readonly List<OutputFormat> _formats = [];

    /// <summary>The built-in text formats: <c>tsv</c> (the default), <c>csv</c> and <c>jsonl</c>.</summary>
    public static OutputFormatRegistry WithBuiltIns() => new OutputFormatRegistry()
        .Add(Tsv)
        .Add(new RowOutputFormat("csv", CsvRowFormat.Instance, ".csv"))
        .Add(new RowOutputFormat("jsonl", JsonlRowFormat.Instance, ".jsonl", ".ndjson"));

    /// <summary><c>ngram TAB total</c>, the default: what <c>-o</c> writes when neither the extension nor <c>--output-format</c> names another.</summary>
    public static OutputFormat Tsv { get; } = new RowOutputFormat("tsv", TsvRowFormat.Instance, ".tsv");

    /// <summary>The registered formats, in the order added.</summary>
    public IReadOnlyList<OutputFormat> Formats => _formats;

    /// <summary>The registered names, in the order added.</summary>
    public IReadOnlyList<string> Names => [.. _formats.Select(f => f.Name)];

    /// <summary>Registers <paramref name="format"/> under its name and extensions.</summary>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">Another format already has its name or one of its extensions.</exception>
    public OutputFormatRegistry Add(OutputFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (TryGet(format.Name, out _))
        {
            throw new ArgumentException($"An output format named \"{format.Name}\" is already registered.", nameof(format));
        }

        if (format.Extensions.FirstOrDefault(e => _formats.Any(f => f.Extensions.Contains(e, StringComparer.OrdinalIgnoreCase))) is { } taken)
        {
            throw new ArgumentException($"The extension \"{taken}\" already chooses another output format.", nameof(format));
        }

        _formats.Add(format);
        return this;
    }

    /// <summary>The format named <paramref name="name"/> (ignoring case).</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out OutputFormat? format)
    {
        format = _formats.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
        return format is not null;
    }

    /// <summary>The format whose extension <paramref name="path"/> ends with (ignoring case); false for a path with no registered extension.</summary>
    public bool TryGetByExtension(string path, [NotNullWhen(true)] out OutputFormat? format)
    {
        ArgumentNullException.ThrowIfNull(path);
        string extension = Path.GetExtension(path);
        format = extension.Length == 0
            ? null
            : _formats.FirstOrDefault(f => f.Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase));
        return format is not null;
    }
}
