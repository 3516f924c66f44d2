namespace ScoreBatch.Jobs.Contracts;

/// <summary>Levenshtein distance, for "did you mean" suggestions on misspelt names ("stpes" for "steps").</summary>
public static class EditDistance
{
    /// <summary>Insertions, deletions and substitutions turning <paramref name="a"/> into <paramref name="b"/>;
    /// a swap of two neighbours counts once (optimal string alignment), the commonest typo.</summary>
    public static int Between(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>The closest of <paramref name="candidates"/> within a third of the name's length (at least 1, at
    /// most 3 edits), compared case-insensitively; null when none is that close.</summary>
    public static string? Suggest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        var budget = Math.Clamp(name.Length / 3, 1, 3);
        return candidates
            .Select(c => (Candidate: c, Distance: Between(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= budget)
            .OrderBy(x => x.Distance).ThenBy(x => x.Candidate, StringComparer.Ordinal)
            .Select(x => x.Candidate)
            .FirstOrDefault();
    }
}
