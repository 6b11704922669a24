using System.Text;
using SkiaSharp;

namespace Tally.Charts.Rendering;

/// <summary>Which installed font a chart's text is drawn in.</summary>
/// <remarks>
/// ScottPlot asks SkiaSharp for fonts by family name, and a name the machine lacks draws in
/// whatever Skia falls back to (on a bare machine, boxes). So the chart's font is the first of a
/// few common sans-serif families the machine has, and a label with characters that font lacks
/// (Chinese, say) is drawn in an installed font that has them; with none, it
/// keeps the chart's font, and the characters it lacks show as boxes rather than failing.
/// </remarks>
internal static class ChartFonts
{
    /// <summary>Sans-serif families, best first: DejaVu Sans is Debian's default (fonts-dejavu-core).</summary>
    private static readonly string[] s_preferred = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];

    /// <summary>The chart's font, picked once: the installed fonts do not change while tally runs.</summary>
    private static readonly Lazy<string> s_base = new(PickBase);

    /// <summary>The family name every label is drawn in unless it needs another.</summary>
    public static string Base => s_base.Value;

    /// <summary>The family to draw <paramref name="text"/> in: <see cref="Base"/> when it has every character, else the installed family that has the most of those it lacks (the first such, by name).</summary>
    public static string For(string text)
    {
        using var typeface = SKTypeface.FromFamilyName(Base);
        var missing = text.EnumerateRunes()
            .Where(rune => !Rune.IsWhiteSpace(rune) && !Rune.IsControl(rune) && !typeface.ContainsGlyph(rune.Value))
            .Select(rune => rune.Value)
            .Distinct()
            .ToArray();
        if (missing.Length == 0)
        {
            return Base;
        }

        // Skia's own MatchCharacter finds nothing in the SkiaSharp build ScottPlot brings (its Linux
        // library reads font files without fontconfig), so the families are asked one by one.
        string best = Base;
        int bestCount = 0;
        foreach (string family in SKFontManager.Default.FontFamilies.Order(StringComparer.Ordinal))
        {
            using var candidate = SKTypeface.FromFamilyName(family);
            int count = missing.Count(candidate.ContainsGlyph);
            if (count > bestCount)
            {
                (best, bestCount) = (family, count);
            }
        }

        return best;
    }

    private static string PickBase()
    {
        var installed = new HashSet<string>(SKFontManager.Default.FontFamilies, StringComparer.OrdinalIgnoreCase);
        return s_preferred.FirstOrDefault(installed.Contains) ?? ScottPlot.Fonts.Default;
    }
}
