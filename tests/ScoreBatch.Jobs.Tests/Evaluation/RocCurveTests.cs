using System.Globalization;
using ScoreBatch.Jobs.Evaluation;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Jobs.Tests.Evaluation;

public class RocCurveTests
{
    [Fact]
    public void Auc_HandComputedPairsWithTies_TiesCountHalf()
    {
        // Pairs (pos, neg): (3,2)=1 (3,1)=1 (2,2)=1/2 (2,1)=1 (2,2)=1/2 (2,1)=1 -> 5 of 6 pairs.
        Assert.Equal(5.0 / 6, RocCurve.Auc([3, 2, 2], [2, 1]), 12);
    }

    [Fact]
    public void Auc_SeparatedReversedAndConstant_OneZeroAndHalf()
    {
        Assert.Equal(1.0, RocCurve.Auc([5, 6, 7], [1, 2]));      // every positive above every negative
        Assert.Equal(0.0, RocCurve.Auc([1, 2], [5, 6, 7]));      // every positive below: the score is inverted
        Assert.Equal(0.5, RocCurve.Auc([4, 4, 4], [4, 4]));      // all tied: every pair counts 1/2
        Assert.True(double.IsNaN(RocCurve.Auc([], [1.0])));      // no positives: undefined, not 0 or 1
    }

    [Fact]
    public void TprAtFpr_HundredNegatives_ThresholdAdmitsOneAndFiveFalsePositives()
    {
        // Negatives 0..99: at most 1 (1 %) may be flagged -> the lowest threshold is 99, flagging 99.5 and 200 of
        // the 4 positives; at most 5 (5 %) -> threshold 95, which also flags 96.5.
        var neg = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        double[] pos = [50.5, 96.5, 99.5, 200];
        Assert.Equal(0.5, RocCurve.TprAtFpr(pos, neg, 0.01));
        Assert.Equal(0.75, RocCurve.TprAtFpr(pos, neg, 0.05));
    }

    [Fact]
    public void TprAtFpr_PositivesTiedWithANegative_CountOnlyWhenItsFalsePositiveFits()
    {
        // 20 negatives, one of them at 5 like both positives: flagging the positives flags that negative, 1/20 = 5 %.
        var neg = Enumerable.Repeat(0.0, 19).Append(5).ToArray();
        Assert.Equal(1.0, RocCurve.TprAtFpr([5, 5], neg, 0.05));
        Assert.Equal(0.0, RocCurve.TprAtFpr([5, 5], neg, 0.01)); // 5 % > 1 %: no threshold catches them
    }

    [Fact]
    public void Points_TiedGroup_OneDiagonalStepFromOriginToOne()
    {
        // Scores desc: 3 (pos) | 2 (pos, neg) | 1 (neg): (0,0) -> (0,1/2) -> (1/2,1) -> (1,1).
        var points = RocCurve.Points([3, 2], [2, 1]);
        Assert.Equal([(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)], points);
    }

    [Fact]
    public void Auc_NonFiniteScore_ThrowsNamingTheIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => RocCurve.Auc([1, double.NaN], [0]));
        Assert.Contains("positives[1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AucAndTpr_RandomScoresWithTies_MatchBruteForceNumpy()
    {
        // numpy reference by brute force over all pairs and all thresholds (no ranks), on scores rounded to one
        // decimal so that many ties occur; the C# side uses mid-ranks and one sorted walk.
        var rng = new Random(11);
        var pos = Enumerable.Range(0, 300).Select(_ => Math.Round(rng.NextDouble() * 3 + 0.8, 1)).ToArray();
        var neg = Enumerable.Range(0, 500).Select(_ => Math.Round(rng.NextDouble() * 3, 1)).ToArray();
        string List(double[] v) => "[" + string.Join(",", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]";
        var dir = Directory.CreateTempSubdirectory("roc-");
        try
        {
            var output = ReferencePython.Run($$"""
                import numpy as np
                p = np.array({{List(pos)}}); n = np.array({{List(neg)}})
                d = p[:, None] - n[None, :]
                auc = ((d > 0) + 0.5 * (d == 0)).mean()
                def tpr_at(a):
                    best = 0.0
                    for thr in np.unique(np.concatenate([p, n])):
                        if (n >= thr).mean() <= a + 1e-12:
                            best = max(best, (p >= thr).mean())
                    return best
                print(repr(float(auc)), repr(float(tpr_at(0.01))), repr(float(tpr_at(0.05))))
                """, dir.FullName);
            var expected = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected[0], RocCurve.Auc(pos, neg), 12);
            Assert.Equal(expected[1], RocCurve.TprAtFpr(pos, neg, 0.01), 12);
            Assert.Equal(expected[2], RocCurve.TprAtFpr(pos, neg, 0.05), 12);
            Assert.InRange(expected[0], 0.55, 0.95); // the data overlap: a case where ties and ranks matter
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
