namespace Tally.Cli.Usage;

/// <summary>"Did you mean --word?": the nearest known name to a mistyped one.</summary>
internal static class Suggestions
{
    /// <summary>The known name closest to <paramref name="typed"/>, or null when none is close enough to be a likely typo.</summary>
    /// <remarks>
    /// Close means an edit distance (insertions, deletions, substitutions, swaps of neighbours) of
    /// at most a third of the name, at least 1, or a known name that starts with what was typed.
    /// </remarks>
    public static string? Nearest(string typed, IEnumerable<string> known)
    {
        string bare = typed.TrimStart('-');
        if (bare.Length == 0)
        {
            return null;
        }

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in known)
        {
            string candidate = name.TrimStart('-');
            int distance = candidate.StartsWith(bare, StringComparison.Ordinal) && bare.Length >= 3 ? 0 : Distance(bare, candidate);
            if (distance < bestDistance && distance <= Math.Max(1, candidate.Length / 3))
            {
                best = name;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
