using ToolRL.Torch.Native;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

public partial class Tensor
{
    // ---- call helpers: one native call, keep the operands alive across it, wrap the result ----

    private Tensor Unary(Unary op)
    {
        var r = trl_unary(Handle, (int)op);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private Tensor Binary(Tensor other, Binary op, double alpha = 1)
    {
        var r = trl_binary(Handle, other.Handle, (int)op, alpha);
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return Wrap(r);
    }

    private Tensor Scalar(double value, ScalarOp op)
    {
        var r = trl_binary_scalar(Handle, value, (int)op);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private Tensor DimOp(DimOp op, long a, long b = 0, long c = 0)
    {
        var r = trl_dim_op(Handle, (int)op, a, b, c);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private Tensor Reduce(ReduceAll op)
    {
        var r = trl_reduce_all(Handle, (int)op);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private unsafe Tensor Reduce(ReduceDims op, long dim, bool keepDim)
    {
        var r = trl_reduce_dims(Handle, (int)op, &dim, 1, keepDim ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private unsafe Tensor Reduce(ReduceDims op, long[] dims, bool keepDim)
    {
        IntPtr r;
        fixed (long* p = dims)
        {
            r = trl_reduce_dims(Handle, (int)op, p, dims.Length, keepDim ? 1 : 0);
        }
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private unsafe (Tensor Values, Tensor Indices) Pair(PairOp op, long a, long b, long c)
    {
        IntPtr values, indices;
        Check(trl_pair_op(Handle, (int)op, a, b, c, &values, &indices));
        GC.KeepAlive(this);
        return (new Tensor(values), new Tensor(indices));
    }

    // ---- element-wise binary ----

    /// <summary>this + alpha·other (broadcasting).</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Binary(other, Native.Binary.Add, alpha);
    /// <summary>this − alpha·other (broadcasting).</summary>
    public Tensor Sub(Tensor other, double alpha = 1) => Binary(other, Native.Binary.Sub, alpha);
    /// <summary>Element-wise product (broadcasting).</summary>
    public Tensor Mul(Tensor other) => Binary(other, Native.Binary.Mul);
    /// <summary>Element-wise true division (broadcasting).</summary>
    public Tensor Div(Tensor other) => Binary(other, Native.Binary.Div);
    /// <summary>Element-wise power.</summary>
    public Tensor Pow(Tensor exponent) => Binary(exponent, Native.Binary.Pow);
    /// <summary>Element-wise minimum.</summary>
    public Tensor Minimum(Tensor other) => Binary(other, Native.Binary.Minimum);
    /// <summary>Element-wise maximum.</summary>
    public Tensor Maximum(Tensor other) => Binary(other, Native.Binary.Maximum);
    /// <summary>Matrix product with PyTorch's matmul broadcasting rules.</summary>
    public Tensor MatMul(Tensor other) => Binary(other, Native.Binary.MatMul);
    /// <summary>Batched matrix product of 3-D tensors.</summary>
    public Tensor Bmm(Tensor other) => Binary(other, Native.Binary.Bmm);
    /// <summary>Python-style remainder (sign of the divisor).</summary>
    public Tensor Remainder(Tensor other) => Binary(other, Native.Binary.Remainder);
    /// <summary>Floor division.</summary>
    public Tensor FloorDivide(Tensor other) => Binary(other, Native.Binary.FloorDivide);

    /// <summary>this + value.</summary>
    public Tensor Add(double value) => Scalar(value, ScalarOp.Add);
    /// <summary>this − value.</summary>
    public Tensor Sub(double value) => Scalar(value, ScalarOp.Sub);
    /// <summary>this · value.</summary>
    public Tensor Mul(double value) => Scalar(value, ScalarOp.Mul);
    /// <summary>this / value.</summary>
    public Tensor Div(double value) => Scalar(value, ScalarOp.Div);
    /// <summary>this ^ exponent.</summary>
    public Tensor Pow(double exponent) => Scalar(exponent, ScalarOp.Pow);
    /// <summary>Element-wise min(this, value).</summary>
    public Tensor Minimum(double value) => Scalar(value, ScalarOp.Minimum);
    /// <summary>Element-wise max(this, value).</summary>
    public Tensor Maximum(double value) => Scalar(value, ScalarOp.Maximum);
    /// <summary>Python-style remainder by a scalar.</summary>
    public Tensor Remainder(double value) => Scalar(value, ScalarOp.Remainder);
    /// <summary>C-style remainder by a scalar (sign of the dividend).</summary>
    public Tensor Fmod(double value) => Scalar(value, ScalarOp.Fmod);
    /// <summary>value − this.</summary>
    public Tensor RSub(double value) => Scalar(value, ScalarOp.ReverseSub);
    /// <summary>value / this.</summary>
    public Tensor RDiv(double value) => Scalar(value, ScalarOp.ReverseDiv);

    // ---- comparisons and logic (results are Bool tensors) ----

    /// <summary>this == other.</summary>
    public Tensor Eq(Tensor other) => Binary(other, Native.Binary.Eq);
    /// <summary>this != other.</summary>
    public Tensor Ne(Tensor other) => Binary(other, Native.Binary.Ne);
    /// <summary>this &lt; other.</summary>
    public Tensor Lt(Tensor other) => Binary(other, Native.Binary.Lt);
    /// <summary>this &lt;= other.</summary>
    public Tensor Le(Tensor other) => Binary(other, Native.Binary.Le);
    /// <summary>this &gt; other.</summary>
    public Tensor Gt(Tensor other) => Binary(other, Native.Binary.Gt);
    /// <summary>this &gt;= other.</summary>
    public Tensor Ge(Tensor other) => Binary(other, Native.Binary.Ge);
    /// <summary>this == value.</summary>
    public Tensor Eq(double value) => Scalar(value, ScalarOp.Eq);
    /// <summary>this != value.</summary>
    public Tensor Ne(double value) => Scalar(value, ScalarOp.Ne);
    /// <summary>this &lt; value.</summary>
    public Tensor Lt(double value) => Scalar(value, ScalarOp.Lt);
    /// <summary>this &lt;= value.</summary>
    public Tensor Le(double value) => Scalar(value, ScalarOp.Le);
    /// <summary>this &gt; value.</summary>
    public Tensor Gt(double value) => Scalar(value, ScalarOp.Gt);
    /// <summary>this &gt;= value.</summary>
    public Tensor Ge(double value) => Scalar(value, ScalarOp.Ge);
    /// <summary>Logical and.</summary>
    public Tensor LogicalAnd(Tensor other) => Binary(other, Native.Binary.LogicalAnd);
    /// <summary>Logical or.</summary>
    public Tensor LogicalOr(Tensor other) => Binary(other, Native.Binary.LogicalOr);
    /// <summary>Logical exclusive or.</summary>
    public Tensor LogicalXor(Tensor other) => Binary(other, Native.Binary.LogicalXor);
    /// <summary>Logical not.</summary>
    public Tensor LogicalNot() => Unary(Native.Unary.LogicalNot);
    /// <summary>True where the element is finite (not NaN or ±∞).</summary>
    public Tensor IsFinite() => Unary(Native.Unary.IsFinite);
    /// <summary>True where the element is NaN.</summary>
    public Tensor IsNan() => Unary(Native.Unary.IsNan);
    /// <summary>True where the element is ±∞.</summary>
    public Tensor IsInf() => Unary(Native.Unary.IsInf);

    // ---- element-wise unary ----

    /// <summary>eˣ.</summary>
    public Tensor Exp() => Unary(Native.Unary.Exp);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary(Native.Unary.Log);
    /// <summary>log(1 + x).</summary>
    public Tensor Log1p() => Unary(Native.Unary.Log1p);
    /// <summary>eˣ − 1.</summary>
    public Tensor Expm1() => Unary(Native.Unary.Expm1);
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Unary(Native.Unary.Sqrt);
    /// <summary>1 / √x.</summary>
    public Tensor Rsqrt() => Unary(Native.Unary.Rsqrt);
    /// <summary>x².</summary>
    public Tensor Square() => Unary(Native.Unary.Square);
    /// <summary>1 / x.</summary>
    public Tensor Reciprocal() => Unary(Native.Unary.Reciprocal);
    /// <summary>−x.</summary>
    public Tensor Neg() => Unary(Native.Unary.Neg);
    /// <summary>|x|.</summary>
    public Tensor Abs() => Unary(Native.Unary.Abs);
    /// <summary>Sign (−1, 0, 1).</summary>
    public Tensor Sign() => Unary(Native.Unary.Sign);
    /// <summary>x·σ(x).</summary>
    public Tensor Silu() => Unary(Native.Unary.Silu);
    /// <summary>σ(x) = 1 / (1 + e⁻ˣ).</summary>
    public Tensor Sigmoid() => Unary(Native.Unary.Sigmoid);
    /// <summary>log σ(x).</summary>
    public Tensor LogSigmoid() => Unary(Native.Unary.LogSigmoid);
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(Native.Unary.Tanh);
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Unary(Native.Unary.Relu);
    /// <summary>GELU (exact erf form, or the tanh approximation).</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Unary(tanhApproximation ? Native.Unary.GeluTanh : Native.Unary.Gelu);
    /// <summary>Error function.</summary>
    public Tensor Erf() => Unary(Native.Unary.Erf);
    /// <summary>Sine.</summary>
    public Tensor Sin() => Unary(Native.Unary.Sin);
    /// <summary>Cosine.</summary>
    public Tensor Cos() => Unary(Native.Unary.Cos);
    /// <summary>Round down.</summary>
    public Tensor Floor() => Unary(Native.Unary.Floor);
    /// <summary>Round up.</summary>
    public Tensor Ceil() => Unary(Native.Unary.Ceil);
    /// <summary>Round half to even.</summary>
    public Tensor Round() => Unary(Native.Unary.Round);
    /// <summary>Round toward zero.</summary>
    public Tensor Trunc() => Unary(Native.Unary.Trunc);

    /// <summary>Clamps to [min, max]; either bound may be omitted.</summary>
    public Tensor Clamp(double? min, double? max)
    {
        var r = trl_clamp(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>max(x, min).</summary>
    public Tensor ClampMin(double min) => Clamp(min, null);
    /// <summary>min(x, max).</summary>
    public Tensor ClampMax(double max) => Clamp(null, max);

    /// <summary>Elements where <paramref name="mask"/> is true replaced by <paramref name="value"/>.</summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        var r = trl_masked_fill(Handle, mask.Handle, value);
        GC.KeepAlive(this);
        GC.KeepAlive(mask);
        return Wrap(r);
    }

    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-D tensor.</summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        var r = trl_masked_select(Handle, mask.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(mask);
        return Wrap(r);
    }

    // ---- dim-wise ----

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public Tensor Softmax(long dim) => DimOp(Native.DimOp.Softmax, dim);
    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public Tensor LogSoftmax(long dim) => DimOp(Native.DimOp.LogSoftmax, dim);
    /// <summary>Cumulative sum along <paramref name="dim"/>.</summary>
    public Tensor CumSum(long dim) => DimOp(Native.DimOp.CumSum, dim);
    /// <summary>Cumulative product along <paramref name="dim"/>.</summary>
    public Tensor CumProd(long dim) => DimOp(Native.DimOp.CumProd, dim);
    /// <summary>Lower triangle (elements above the <paramref name="diagonal"/>-th diagonal zeroed).</summary>
    public Tensor Tril(long diagonal = 0) => DimOp(Native.DimOp.Tril, diagonal);
    /// <summary>Upper triangle (elements below the <paramref name="diagonal"/>-th diagonal zeroed).</summary>
    public Tensor Triu(long diagonal = 0) => DimOp(Native.DimOp.Triu, diagonal);
    /// <summary>Indices that sort along <paramref name="dim"/>.</summary>
    public Tensor ArgSort(long dim = -1, bool descending = false) => DimOp(Native.DimOp.ArgSort, dim, descending ? 1 : 0);
    /// <summary>Each element repeated <paramref name="repeats"/> times along <paramref name="dim"/>.</summary>
    public Tensor RepeatInterleave(long repeats, long dim) => DimOp(Native.DimOp.RepeatInterleave, repeats, dim);
    /// <summary>Elements rolled by <paramref name="shifts"/> along <paramref name="dim"/>.</summary>
    public Tensor Roll(long shifts, long dim) => DimOp(Native.DimOp.Roll, shifts, dim);

    // ---- reductions ----

    /// <summary>Sum of all elements (0-d).</summary>
    public Tensor Sum() => Reduce(ReduceAll.Sum);
    /// <summary>Sum over <paramref name="dim"/>.</summary>
    public Tensor Sum(long dim, bool keepDim = false) => Reduce(ReduceDims.Sum, dim, keepDim);
    /// <summary>Sum over several dims.</summary>
    public Tensor Sum(long[] dims, bool keepDim = false) => Reduce(ReduceDims.Sum, dims, keepDim);
    /// <summary>Mean of all elements (0-d).</summary>
    public Tensor Mean() => Reduce(ReduceAll.Mean);
    /// <summary>Mean over <paramref name="dim"/>.</summary>
    public Tensor Mean(long dim, bool keepDim = false) => Reduce(ReduceDims.Mean, dim, keepDim);
    /// <summary>Mean over several dims.</summary>
    public Tensor Mean(long[] dims, bool keepDim = false) => Reduce(ReduceDims.Mean, dims, keepDim);
    /// <summary>Product of all elements (0-d).</summary>
    public Tensor Prod() => Reduce(ReduceAll.Prod);
    /// <summary>Largest element (0-d).</summary>
    public Tensor Max() => Reduce(ReduceAll.Max);
    /// <summary>Smallest element (0-d).</summary>
    public Tensor Min() => Reduce(ReduceAll.Min);
    /// <summary>Largest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false) => Pair(PairOp.Max, dim, keepDim ? 1 : 0, 0);
    /// <summary>Smallest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false) => Pair(PairOp.Min, dim, keepDim ? 1 : 0, 0);
    /// <summary>Largest values along <paramref name="dim"/> (no indices).</summary>
    public Tensor AMax(long dim, bool keepDim = false) => Reduce(ReduceDims.AMax, dim, keepDim);
    /// <summary>Smallest values along <paramref name="dim"/> (no indices).</summary>
    public Tensor AMin(long dim, bool keepDim = false) => Reduce(ReduceDims.AMin, dim, keepDim);
    /// <summary>Index of the largest element of the flattened tensor.</summary>
    public Tensor ArgMax() => Reduce(ReduceAll.ArgMax);
    /// <summary>Indices of the largest elements along <paramref name="dim"/>.</summary>
    public Tensor ArgMax(long dim, bool keepDim = false) => Reduce(ReduceDims.ArgMax, dim, keepDim);
    /// <summary>Index of the smallest element of the flattened tensor.</summary>
    public Tensor ArgMin() => Reduce(ReduceAll.ArgMin);
    /// <summary>Indices of the smallest elements along <paramref name="dim"/>.</summary>
    public Tensor ArgMin(long dim, bool keepDim = false) => Reduce(ReduceDims.ArgMin, dim, keepDim);
    /// <summary>log Σ exp over <paramref name="dim"/>, computed stably.</summary>
    public Tensor LogSumExp(long dim, bool keepDim = false) => Reduce(ReduceDims.LogSumExp, dim, keepDim);
    /// <summary>Standard deviation of all elements (Bessel-corrected unless <paramref name="unbiased"/> is false).</summary>
    public Tensor Std(bool unbiased = true) => Reduce(unbiased ? ReduceAll.Std : ReduceAll.StdBiased);
    /// <summary>Standard deviation over <paramref name="dim"/>.</summary>
    public Tensor Std(long dim, bool unbiased = true, bool keepDim = false) => Reduce(unbiased ? ReduceDims.Std : ReduceDims.StdBiased, dim, keepDim);
    /// <summary>Variance of all elements.</summary>
    public Tensor Var(bool unbiased = true) => Reduce(unbiased ? ReduceAll.Var : ReduceAll.VarBiased);
    /// <summary>Variance over <paramref name="dim"/>.</summary>
    public Tensor Var(long dim, bool unbiased = true, bool keepDim = false) => Reduce(unbiased ? ReduceDims.Var : ReduceDims.VarBiased, dim, keepDim);
    /// <summary>True if any element is non-zero.</summary>
    public Tensor Any() => Reduce(ReduceAll.Any);
    /// <summary>True where any element along <paramref name="dim"/> is non-zero.</summary>
    public Tensor Any(long dim, bool keepDim = false) => Reduce(ReduceDims.Any, dim, keepDim);
    /// <summary>True if every element is non-zero.</summary>
    public Tensor All() => Reduce(ReduceAll.All);
    /// <summary>True where every element along <paramref name="dim"/> is non-zero.</summary>
    public Tensor All(long dim, bool keepDim = false) => Reduce(ReduceDims.All, dim, keepDim);

    /// <summary>Euclidean (2-)norm of all elements.</summary>
    public Tensor Norm() => Reduce(ReduceAll.Norm);

    /// <summary>p-norm of all elements, or over <paramref name="dims"/> when given.</summary>
    public unsafe Tensor Norm(double p, long[]? dims = null, bool keepDim = false)
    {
        dims ??= [];
        IntPtr r;
        fixed (long* d = dims)
        {
            r = trl_norm_p(Handle, p, d, dims.Length, keepDim ? 1 : 0);
        }
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>The <paramref name="k"/> largest (or smallest) values along <paramref name="dim"/>, sorted, and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true) =>
        Pair(PairOp.TopK, k, dim, (largest ? 1 : 0) | (sorted ? 2 : 0));

    /// <summary>Values sorted along <paramref name="dim"/> and the permutation indices.</summary>
    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false) => Pair(PairOp.Sort, dim, descending ? 1 : 0, 0);

    /// <summary>Whether every element is within atol + rtol·|other| of <paramref name="other"/>.</summary>
    public unsafe bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        int r;
        Check(trl_allclose(Handle, other.Handle, rtol, atol, &r));
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return r != 0;
    }

    /// <summary>Whether both tensors have the same shape and elements.</summary>
    public unsafe bool Equal(Tensor other)
    {
        int r;
        Check(trl_equal(Handle, other.Handle, &r));
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return r != 0;
    }
}
