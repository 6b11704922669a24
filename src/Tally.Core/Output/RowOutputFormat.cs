namespace Tally.Output;

/// <summary>A text output format made of a <see cref="RowFormat"/>: rows formatted in chunks on every core and written in order.</summary>
/// <param name="name">The format's name (<c>tsv</c>).</param>
/// <param name="rows">How one row is written.</param>
/// <param name="extensions">The file extensions that choose it, with their dot (<c>.tsv</c>).</param>
public sealed class RowOutputFormat(string name, RowFormat rows, params IReadOnlyList<string> extensions) : OutputFormat
{
    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions { get; } = extensions;

    /// <summary>How one row is written.</summary>
    public RowFormat Rows { get; } = rows;

    /// <inheritdoc/>
    public override Task WriteAsync(CountResult result, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.WriteAsync(Rows, destination, cancellationToken);
    }
}
