// The op codes of the bridge's op-family exports (trl_unary, trl_binary, ...): the one list of them.
//
// Each family is an X-macro list of (name, code). ops.cpp switches on the enums made from it; trl_op_codes()
// (ops.cpp) returns the same lists as text, and a test (tests/ToolRL.Torch.Tests/OpCodeTests.cs) compares that
// text with the C# enums in src/ToolRL.Torch/Native/OpCodes.cs member by member, both ways. A code changed or
// added on one side only therefore fails the build's tests instead of calling the wrong op.
// Codes are part of the ABI between ToolRL.Torch.dll and libtoolrl_torch.so: append, never renumber.
#pragma once

#define TRL_UNARY_OPS(X)                                                                                        \
    X(Exp, 0) X(Log, 1) X(Sqrt, 2) X(Rsqrt, 3) X(Neg, 4) X(Abs, 5) X(Silu, 6) X(Sigmoid, 7) X(Tanh, 8)          \
    X(Relu, 9) X(Square, 10) X(IsFinite, 11) X(LogicalNot, 12) X(Contiguous, 13) X(Clone, 14) X(Detach, 15)     \
    X(Sin, 16) X(Cos, 17) X(Floor, 18) X(Ceil, 19) X(Round, 20) X(Sign, 21) X(GeluTanh, 22) X(Erf, 23)          \
    X(IsNan, 24) X(IsInf, 25) X(Reciprocal, 26) X(Log1p, 27) X(Expm1, 28) X(Gelu, 29) X(LogSigmoid, 30)       \
    X(T, 31) X(Flatten, 32) X(SqueezeAll, 33) X(NonZero, 34) X(Trunc, 35)

#define TRL_BINARY_OPS(X)                                                                                       \
    X(Add, 0) X(Sub, 1) X(Mul, 2) X(Div, 3) X(Pow, 4) X(Minimum, 5) X(Maximum, 6) X(Eq, 7) X(Ne, 8) X(Lt, 9)  \
    X(Le, 10) X(Gt, 11) X(Ge, 12) X(LogicalAnd, 13) X(LogicalOr, 14) X(MatMul, 15) X(Remainder, 16)           \
    X(FloorDivide, 17) X(BitwiseAnd, 18) X(BitwiseOr, 19) X(LogicalXor, 20) X(Bmm, 21) X(Atan2, 22)

// Tensor (op) scalar: the binary codes that apply, plus the reversed forms (scalar - tensor, ...).
#define TRL_SCALAR_OPS(X)                                                                                       \
    X(Add, 0) X(Sub, 1) X(Mul, 2) X(Div, 3) X(Pow, 4) X(Minimum, 5) X(Maximum, 6) X(Eq, 7) X(Ne, 8) X(Lt, 9)  \
    X(Le, 10) X(Gt, 11) X(Ge, 12) X(Remainder, 16) X(FloorDivide, 17) X(ReverseSub, 30) X(ReverseDiv, 31)     \
    X(ReversePow, 32) X(Fmod, 33)

#define TRL_INPLACE_OPS(X) \
    X(Add, 0) X(Sub, 1) X(Mul, 2) X(Div, 3) X(Copy, 4) X(Zero, 5) X(Lerp, 6) X(MaskedFill, 7)

#define TRL_INPLACE_SCALAR_OPS(X) \
    X(Add, 0) X(Sub, 1) X(Mul, 2) X(Div, 3) X(Fill, 4) X(Pow, 5) X(ClampMin, 6) X(ClampMax, 7)

#define TRL_REDUCE_ALL_OPS(X)                                                                                   \
    X(Sum, 0) X(Mean, 1) X(Max, 2) X(Min, 3) X(Norm, 4) X(Std, 5) X(Var, 6) X(Prod, 7) X(Any, 8) X(All, 9)     \
    X(ArgMax, 10) X(ArgMin, 11) X(StdBiased, 12) X(VarBiased, 13)

#define TRL_REDUCE_DIMS_OPS(X)                                                                                  \
    X(Sum, 0) X(Mean, 1) X(LogSumExp, 2) X(ArgMax, 3) X(ArgMin, 4) X(Std, 5) X(Var, 6) X(Prod, 7) X(Any, 8)    \
    X(All, 9) X(Norm, 10) X(StdBiased, 11) X(VarBiased, 12) X(AMax, 13) X(AMin, 14)

#define TRL_PAIR_OPS(X) X(Max, 0) X(Min, 1) X(TopK, 2) X(Sort, 3)

#define TRL_DIM_OPS(X)                                                                                          \
    X(Softmax, 0) X(LogSoftmax, 1) X(CumSum, 2) X(Squeeze, 3) X(Unsqueeze, 4) X(Tril, 5) X(Triu, 6)            \
    X(Transpose, 7) X(Narrow, 8) X(Select, 9) X(Flatten, 10) X(CumProd, 11) X(Diagonal, 12)                   \
    X(RepeatInterleave, 13) X(Roll, 14) X(ArgSort, 15) X(SoftmaxFloat32, 16) X(MoveDim, 17)

#define TRL_SHAPE_OPS(X) \
    X(Reshape, 0) X(View, 1) X(Expand, 2) X(Permute, 3) X(Repeat, 4) X(SumToSize, 5) X(BroadcastTo, 6)

#define TRL_SPLIT_OPS(X) X(Split, 0) X(Chunk, 1)

#define TRL_INDEX_OPS(X) X(IndexSelect, 0) X(Gather, 1) X(TakeAlongDim, 2)

// 10.. are the in-place forms of 0..3.
#define TRL_SCATTER_OPS(X)                                                                                      \
    X(Scatter, 0) X(ScatterAdd, 1) X(IndexAdd, 2) X(IndexCopy, 3) X(MaskedScatter, 4) X(ScatterInPlace, 10)    \
    X(ScatterAddInPlace, 11) X(IndexAddInPlace, 12) X(IndexCopyInPlace, 13)

// Kinds of trl_full / trl_full_like, trl_random and trl_random_ (core.cpp).
#define TRL_FILL_KINDS(X) X(Zeros, 0) X(Ones, 1) X(Full, 2) X(Empty, 3)
#define TRL_RANDOM_KINDS(X) X(Normal, 0) X(Uniform, 1) X(Integer, 2)
#define TRL_RANDOM_FILL_KINDS(X) X(Normal, 0) X(Uniform, 1) X(Bernoulli, 2)

// Every family under the name of its C# enum (ToolRL.Torch.Native.<Name>).
#define TRL_OP_FAMILIES(F)                                                                                      \
    F(Unary, TRL_UNARY_OPS) F(Binary, TRL_BINARY_OPS) F(ScalarOp, TRL_SCALAR_OPS) F(InPlace, TRL_INPLACE_OPS)  \
    F(InPlaceScalar, TRL_INPLACE_SCALAR_OPS) F(ReduceAll, TRL_REDUCE_ALL_OPS) F(ReduceDims, TRL_REDUCE_DIMS_OPS) \
    F(PairOp, TRL_PAIR_OPS) F(DimOp, TRL_DIM_OPS) F(ShapeOp, TRL_SHAPE_OPS) F(SplitOp, TRL_SPLIT_OPS)          \
    F(IndexOp, TRL_INDEX_OPS) F(ScatterOp, TRL_SCATTER_OPS) F(FillKind, TRL_FILL_KINDS)                       \
    F(RandomKind, TRL_RANDOM_KINDS) F(RandomFillKind, TRL_RANDOM_FILL_KINDS)

namespace trl::op {

#define TRL_OP_ENUM_MEMBER(name, code) name = code,
#define TRL_OP_ENUM(family, list) namespace family { enum : int { list(TRL_OP_ENUM_MEMBER) }; }
TRL_OP_FAMILIES(TRL_OP_ENUM)
#undef TRL_OP_ENUM
#undef TRL_OP_ENUM_MEMBER

}  // namespace trl::op
