namespace Tally.Charts;

/// <summary>One query's line: its legend label and one value per year of the chart.</summary>
/// <param name="Label">The legend's text for the line; any Unicode.</param>
/// <param name="Values">A count or a fraction per year: <c>Values[i]</c> is for the chart's <c>Years[i]</c>.</param>
public sealed record ChartLine(string Label, IReadOnlyList<double> Values);
