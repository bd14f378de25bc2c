namespace ToolRL.Torch.Native;

// Op codes of the bridge's op families. native/src/op_codes.h is the one list; these enums mirror it and
// OpCodeTests compares them with the bridge's own table (trl_op_codes) member by member, both ways.

internal enum Unary
{
    Exp = 0, Log = 1, Sqrt = 2, Rsqrt = 3, Neg = 4, Abs = 5, Silu = 6, Sigmoid = 7, Tanh = 8, Relu = 9, Square = 10,
    IsFinite = 11, LogicalNot = 12, Contiguous = 13, Clone = 14, Detach = 15, Sin = 16, Cos = 17, Floor = 18,
    Ceil = 19, Round = 20, Sign = 21, GeluTanh = 22, Erf = 23, IsNan = 24, IsInf = 25, Reciprocal = 26, Log1p = 27,
    Expm1 = 28, Gelu = 29, LogSigmoid = 30, T = 31, Flatten = 32, SqueezeAll = 33, NonZero = 34, Trunc = 35,
}

internal enum Binary
{
    Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Minimum = 5, Maximum = 6, Eq = 7, Ne = 8, Lt = 9, Le = 10, Gt = 11,
    Ge = 12, LogicalAnd = 13, LogicalOr = 14, MatMul = 15, Remainder = 16, FloorDivide = 17, BitwiseAnd = 18,
    BitwiseOr = 19, LogicalXor = 20, Bmm = 21, Atan2 = 22,
}

/// <summary>Tensor ⊗ scalar: the Binary codes that apply, plus reversed forms.</summary>
internal enum ScalarOp
{
    Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Minimum = 5, Maximum = 6, Eq = 7, Ne = 8, Lt = 9, Le = 10, Gt = 11,
    Ge = 12, Remainder = 16, FloorDivide = 17, ReverseSub = 30, ReverseDiv = 31, ReversePow = 32, Fmod = 33,
}

internal enum InPlace { Add = 0, Sub = 1, Mul = 2, Div = 3, Copy = 4, Zero = 5, Lerp = 6, MaskedFill = 7 }

internal enum InPlaceScalar { Add = 0, Sub = 1, Mul = 2, Div = 3, Fill = 4, Pow = 5, ClampMin = 6, ClampMax = 7 }

internal enum ReduceAll
{
    Sum = 0, Mean = 1, Max = 2, Min = 3, Norm = 4, Std = 5, Var = 6, Prod = 7, Any = 8, All = 9, ArgMax = 10,
    ArgMin = 11, StdBiased = 12, VarBiased = 13,
}

internal enum ReduceDims
{
    Sum = 0, Mean = 1, LogSumExp = 2, ArgMax = 3, ArgMin = 4, Std = 5, Var = 6, Prod = 7, Any = 8, All = 9, Norm = 10,
    StdBiased = 11, VarBiased = 12, AMax = 13, AMin = 14,
}

internal enum PairOp { Max = 0, Min = 1, TopK = 2, Sort = 3 }

internal enum DimOp
{
    Softmax = 0, LogSoftmax = 1, CumSum = 2, Squeeze = 3, Unsqueeze = 4, Tril = 5, Triu = 6, Transpose = 7,
    Narrow = 8, Select = 9, Flatten = 10, CumProd = 11, Diagonal = 12, RepeatInterleave = 13, Roll = 14,
    ArgSort = 15, SoftmaxFloat32 = 16, MoveDim = 17,
}

internal enum ShapeOp { Reshape = 0, View = 1, Expand = 2, Permute = 3, Repeat = 4, SumToSize = 5, BroadcastTo = 6 }

/// <summary>Kinds of trl_split.</summary>
internal enum SplitOp { Split = 0, Chunk = 1 }

internal enum IndexOp { IndexSelect = 0, Gather = 1, TakeAlongDim = 2 }

internal enum ScatterOp
{
    Scatter = 0, ScatterAdd = 1, IndexAdd = 2, IndexCopy = 3, MaskedScatter = 4,
    ScatterInPlace = 10, ScatterAddInPlace = 11, IndexAddInPlace = 12, IndexCopyInPlace = 13,
}

/// <summary>Kinds of trl_full / trl_full_like.</summary>
internal enum FillKind { Zeros = 0, Ones = 1, Full = 2, Empty = 3 }

/// <summary>Kinds of trl_random.</summary>
internal enum RandomKind { Normal = 0, Uniform = 1, Integer = 2 }

/// <summary>Kinds of trl_random_ (in-place fills).</summary>
internal enum RandomFillKind { Normal = 0, Uniform = 1, Bernoulli = 2 }
