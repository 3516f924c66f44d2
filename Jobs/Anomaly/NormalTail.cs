namespace ScoreBatch.Jobs.Anomaly;

/// <summary>The standard normal's upper tail, in logs so that far tails stay finite.</summary>
public static class NormalTail
{
    /// <summary>
    /// ln Q(z) = ln P(Z &gt; z) for Z ~ N(0, 1). Uses erfc(x) = t·exp(-x² + P(t)), t = 1/(1 + x/2), Chebyshev
    /// fitted (Numerical Recipes' erfcc; relative error below 1.2e-7 for every x &gt;= 0), whose logarithm is exact in
    /// form, so ln Q(40) = -804.6 is returned rather than ln 0.
    /// </summary>
    public static double LogSurvival(double z)
    {
        if (double.IsNaN(z)) return double.NaN;
        double x = Math.Abs(z) / Math.Sqrt(2);
        double t = 1 / (1 + (0.5 * x));
        double poly = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806
            + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        double logErfc = Math.Log(t) - (x * x) + poly; // ln erfc(|z|/√2)
        double logUpper = logErfc - Math.Log(2); // ln Q(|z|)
        return z >= 0 ? logUpper : Math.Log(-double.ExpM1(logUpper)); // Q(-z) = 1 - Q(z)
    }
}
