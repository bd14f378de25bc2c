namespace ToolRL.Evaluation;

/// <summary>
/// Success-rate estimators over n sampled responses of which c are correct.
/// <list type="bullet">
/// <item><b>pass@k</b> — the chance that at least one of k responses drawn without replacement from the n is correct,
/// the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code", eq. 1):
/// pass@k = 1 − C(n−c, k) / C(n, k).</item>
/// <item><b>pass^k</b> — the chance that all k drawn responses are correct, tau-bench's reliability metric
/// (Yao et al. 2024, "τ-bench", §4): pass^k = C(c, k) / C(n, k).</item>
/// </list>
/// Binomial coefficients overflow a double near n = 1,030, so both ratios are evaluated as products of factors in
/// [0, 1] (Chen et al.'s numerically stable form): C(n−c,k)/C(n,k) = ∏_{i=n−c+1}^{n} (1 − k/i) and
/// C(c,k)/C(n,k) = ∏_{i=0}^{k−1} (c−i)/(n−i). pass@k sums the logarithms with log1p and takes −expm1, so a
/// small pass@k (few correct among very many) keeps its relative precision instead of cancelling in 1 − (≈1).
/// </summary>
public static class PassAtK
{
    /// <summary>Unbiased pass@k = 1 − C(n−c, k) / C(n, k) for one problem.</summary>
    /// <param name="n">Responses sampled (≥ 1).</param>
    /// <param name="c">Responses correct (0 ≤ c ≤ n).</param>
    /// <param name="k">Draw size (1 ≤ k ≤ n).</param>
    /// <returns>A probability in [0, 1]; exactly 1 when n − c &lt; k (every draw holds a correct response), 0 when c = 0.</returns>
    public static double PassAt(int n, int c, int k)
    {
        Validate(n, c, k);
        if (n - c < k)
        {
            return 1.0;
        }
        // ln(C(n−c,k)/C(n,k)) = Σ_{i=n−c+1}^{n} ln(1 − k/i)
        var logRatio = 0.0;
        for (var i = n - c + 1; i <= n; i++)
        {
            logRatio += LogOnePlus(-(double)k / i);
        }
        return -ExpMinusOne(logRatio);
    }

    /// <summary>tau-bench's pass^k = C(c, k) / C(n, k) for one problem: all k drawn responses correct.</summary>
    /// <param name="n">Responses sampled (≥ 1).</param>
    /// <param name="c">Responses correct (0 ≤ c ≤ n).</param>
    /// <param name="k">Draw size (1 ≤ k ≤ n).</param>
    /// <returns>A probability in [0, 1]; 0 when c &lt; k, exactly 1 when c = n.</returns>
    public static double PassHat(int n, int c, int k)
    {
        Validate(n, c, k);
        if (c < k)
        {
            return 0.0;
        }
        // C(c,k)/C(n,k) = ∏_{i=0}^{k−1} (c−i)/(n−i)
        var product = 1.0;
        for (var i = 0; i < k; i++)
        {
            product *= (double)(c - i) / (n - i);
        }
        return product;
    }

    /// <summary>The benchmark figure: the mean of <see cref="PassAt"/> over problems, each with its own (n, c).</summary>
    /// <param name="problems">Per problem: responses sampled and responses correct.</param>
    /// <param name="k">Draw size; every problem needs n ≥ k.</param>
    public static double MeanPassAt(IEnumerable<(int N, int C)> problems, int k) => Mean(problems, k, PassAt);

    /// <summary>The benchmark figure: the mean of <see cref="PassHat"/> over problems, each with its own (n, c).</summary>
    /// <param name="problems">Per problem: responses sampled and responses correct.</param>
    /// <param name="k">Draw size; every problem needs n ≥ k.</param>
    public static double MeanPassHat(IEnumerable<(int N, int C)> problems, int k) => Mean(problems, k, PassHat);

    private static double Mean(IEnumerable<(int N, int C)> problems, int k, Func<int, int, int, double> estimator)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var sum = 0.0;
        var count = 0;
        foreach (var (n, c) in problems)
        {
            sum += estimator(n, c, k);
            count++;
        }
        if (count == 0)
        {
            throw new ArgumentException("No problems given; the mean over zero problems is undefined.", nameof(problems));
        }
        return sum / count;
    }

    // .NET's double.LogP1 / double.ExpM1 are Math.Log(1 + x) / Math.Exp(x) − 1, which lose the small-x digits these
    // sums depend on. Goldberg's and Kahan's corrections (Goldberg 1991, "What every computer scientist should
    // know about floating-point arithmetic", Theorem 4; Kahan's expm1 note) recover them to a few ulps.
    private static double LogOnePlus(double x)
    {
        var u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    private static double ExpMinusOne(double x)
    {
        var u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }
        var um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * x / Math.Log(u);
    }

    private static void Validate(int n, int c, int k)
    {
        if (n < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "n (responses sampled) must be at least 1.");
        }
        if (c < 0 || c > n)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, $"c (responses correct) must be between 0 and n = {n}.");
        }
        if (k < 1 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and n = {n}: the estimator draws k of the n responses.");
        }
    }
}
