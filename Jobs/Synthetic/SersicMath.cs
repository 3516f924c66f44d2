namespace ScoreBatch.Jobs.Synthetic;

/// <summary>
/// Closed forms of the Sersic profile I(r) = I_e·exp(-b_n·((r/r_e)^(1/n) - 1)), where r_e encloses half of the
/// total flux. Computed in double (schedules and closed forms in double, STYLE habit 7).
/// </summary>
public static class SersicMath
{
    /// <summary>Smallest and largest Sersic index the generator supports (exponential disk n = 1, de Vaucouleurs n = 4).</summary>
    public const double MinIndex = 0.5, MaxIndex = 4.0;

    /// <summary>
    /// b_n from the asymptotic expansion of Ciotti &amp; Bertin (1999, A&amp;A 352, 447), eq. 18: accurate to better
    /// than 1e-4 relative for n &gt; 0.36, which covers 0.5..4. b_n solves P(2n, b_n) = 1/2.
    /// </summary>
    public static double B(double n)
    {
        if (!(n >= 0.36) || !double.IsFinite(n))
            throw new ArgumentOutOfRangeException(nameof(n), n, $"Sersic index must be finite and >= 0.36 for the Ciotti-Bertin expansion, got {n}");
        double n2 = n * n, n3 = n2 * n, n4 = n3 * n;
        return 2 * n - 1.0 / 3 + 4.0 / (405 * n) + 46.0 / (25515 * n2) + 131.0 / (1148175 * n3) - 2194697.0 / (30690717750 * n4);
    }

    /// <summary>Profile value at elliptical radius <paramref name="r"/> relative to its value at r_e (I(r_e) = 1).</summary>
    public static double Intensity(double r, double n, double re, double b) => Math.Exp(-b * (Math.Pow(r / re, 1 / n) - 1));

    /// <summary>
    /// Total flux of a profile with I(r_e) = 1 and axis ratio q (radius measured along the major axis):
    /// L = 2π·q·n·r_e²·e^b·b^(-2n)·Γ(2n).
    /// </summary>
    public static double TotalFlux(double n, double re, double q = 1)
    {
        double b = B(n);
        return 2 * Math.PI * q * n * re * re * Math.Exp(b + LogGamma(2 * n) - 2 * n * Math.Log(b));
    }

    /// <summary>Fraction of the total flux inside elliptical radius <paramref name="r"/>: P(2n, b·(r/r_e)^(1/n)).</summary>
    public static double EnclosedFraction(double r, double n, double re) =>
        r <= 0 ? 0 : RegularizedLowerGamma(2 * n, B(n) * Math.Pow(r / re, 1 / n));

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, 9 terms; relative error below 1e-14).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, $"LogGamma needs x > 0, got {x}");
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double a = c[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) a += c[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    /// <summary>
    /// The regularised lower incomplete gamma function P(a, x): a power series for x &lt; a + 1, otherwise the
    /// continued fraction of Q = 1 - P (modified Lentz), both converged to 1e-15.
    /// </summary>
    public static double RegularizedLowerGamma(double a, double x)
    {
        if (!(a > 0)) throw new ArgumentOutOfRangeException(nameof(a), a, $"P(a, x) needs a > 0, got {a}");
        if (!(x >= 0)) throw new ArgumentOutOfRangeException(nameof(x), x, $"P(a, x) needs x >= 0, got {x}");
        if (x == 0) return 0;
        double lnPrefix = a * Math.Log(x) - x - LogGamma(a);
        if (x < a + 1)
        {
            double term = 1 / a, sum = term;
            for (int k = 1; k < 10000 && Math.Abs(term) > Math.Abs(sum) * 1e-16; k++)
            {
                term *= x / (a + k);
                sum += term;
            }
            return sum * Math.Exp(lnPrefix);
        }
        const double tiny = 1e-300;
        double bb = x + 1 - a, cc = 1 / tiny, d = 1 / bb, h = d;
        for (int i = 1; i < 10000; i++)
        {
            double an = -i * (i - a);
            bb += 2;
            d = an * d + bb;
            if (Math.Abs(d) < tiny) d = tiny;
            cc = bb + an / cc;
            if (Math.Abs(cc) < tiny) cc = tiny;
            d = 1 / d;
            double delta = d * cc;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return 1 - Math.Exp(lnPrefix) * h;
    }
}
