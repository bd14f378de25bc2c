// Bridge ops: element-wise math, reductions, views, indexing. Families share one export with an op code
// (the lists in op_codes.h, which the C# enums are tested against) to keep the export table and the P/Invoke
// surface small; a switch costs nothing next to ATen's dispatcher.
#include "bridge.h"
#include "op_codes.h"
#include "small_ops.h"

#include <cstring>
#include <string>

using namespace trl;
using namespace trl::op;

// ---- the op codes -------------------------------------------------------------------------------------------

/// Every op family's codes as text, one "Family.Name=code" per line, built from op_codes.h: what the managed
/// side's enums are checked against. The string is static; the caller must not free it.
TRL_API const char* trl_op_codes() {
#define TRL_OP_CODE_LINE(name, code) text += family; text += #name "=" #code "\n";
#define TRL_OP_CODE_FAMILY(fam, list) { const char* family = #fam "."; list(TRL_OP_CODE_LINE) }
    static const std::string table = [] {
        std::string text;
        TRL_OP_FAMILIES(TRL_OP_CODE_FAMILY)
        return text;
    }();
#undef TRL_OP_CODE_FAMILY
#undef TRL_OP_CODE_LINE
    return table.c_str();
}

// ---- unary --------------------------------------------------------------------------------------------------

/// Unary ops are element-wise and out-of-place except the views, aliases and shape changes named here.
static bool unary_is_elementwise(int op) {
    switch (op) {
        case Unary::Contiguous: case Unary::Clone: case Unary::Detach: case Unary::T: case Unary::Flatten:
        case Unary::SqueezeAll: case Unary::NonZero: return false;
        default: return op >= Unary::Exp && op <= Unary::Trunc;
    }
}

TRL_API TrlTensor trl_unary(TrlTensor t, int op) {
    TRL_TRY
    const auto& x = *t;
    BelowAutogradUnlessGrad fast(!unary_is_elementwise(op) || x.requires_grad());
    switch (op) {
        case Unary::Exp: return wrap(x.exp());
        case Unary::Log: return wrap(x.log());
        case Unary::Sqrt: return wrap(x.sqrt());
        case Unary::Rsqrt: return wrap(x.rsqrt());
        case Unary::Neg: return wrap(x.neg());
        case Unary::Abs: return wrap(x.abs());
        case Unary::Silu: return wrap(at::silu(x));
        case Unary::Sigmoid: return wrap(x.sigmoid());
        case Unary::Tanh: return wrap(x.tanh());
        case Unary::Relu: return wrap(x.relu());
        case Unary::Square: return wrap(x.square());
        case Unary::IsFinite: return wrap(x.isfinite());
        case Unary::LogicalNot: return wrap(x.logical_not());
        case Unary::Contiguous: return wrap(x.contiguous());
        case Unary::Clone: return wrap(x.clone());
        case Unary::Detach: return wrap(x.detach());
        case Unary::Sin: return wrap(x.sin());
        case Unary::Cos: return wrap(x.cos());
        case Unary::Floor: return wrap(x.floor());
        case Unary::Ceil: return wrap(x.ceil());
        case Unary::Round: return wrap(x.round());
        case Unary::Sign: return wrap(x.sign());
        case Unary::GeluTanh: return wrap(at::gelu(x, "tanh"));
        case Unary::Erf: return wrap(x.erf());
        case Unary::IsNan: return wrap(x.isnan());
        case Unary::IsInf: return wrap(x.isinf());
        case Unary::Reciprocal: return wrap(x.reciprocal());
        case Unary::Log1p: return wrap(x.log1p());
        case Unary::Expm1: return wrap(x.expm1());
        case Unary::Gelu: return wrap(at::gelu(x));
        case Unary::LogSigmoid: return wrap(at::log_sigmoid(x));
        case Unary::T: return wrap(x.t());
        case Unary::Flatten: return wrap(x.flatten());
        case Unary::SqueezeAll: return wrap(x.squeeze());
        case Unary::NonZero: return wrap(x.nonzero());
        case Unary::Trunc: return wrap(x.trunc());
        default: throw std::invalid_argument("unknown unary op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

// ---- binary (tensor, tensor) --------------------------------------------------------------------------------

/// Binary ops other than matmul and bmm, composites that reshape through views, are element-wise.
static bool binary_is_elementwise(int op) {
    return op >= Binary::Add && op <= Binary::Atan2 && op != Binary::MatMul && op != Binary::Bmm;
}

TRL_API TrlTensor trl_binary(TrlTensor a, TrlTensor b, int op, double alpha) {
    TRL_TRY
    const auto& x = *a;
    const auto& y = *b;
    if (auto small = try_small_binary(op, x, y, alpha); small.defined()) return wrap(std::move(small));
    BelowAutogradUnlessGrad fast(!binary_is_elementwise(op) || x.requires_grad() || y.requires_grad());
    switch (op) {
        case Binary::Add: return wrap(alpha == 1.0 ? x.add(y) : x.add(y, alpha));
        case Binary::Sub: return wrap(alpha == 1.0 ? x.sub(y) : x.sub(y, alpha));
        case Binary::Mul: return wrap(x.mul(y));
        case Binary::Div: return wrap(x.div(y));
        case Binary::Pow: return wrap(x.pow(y));
        case Binary::Minimum: return wrap(at::minimum(x, y));
        case Binary::Maximum: return wrap(at::maximum(x, y));
        case Binary::Eq: return wrap(x.eq(y));
        case Binary::Ne: return wrap(x.ne(y));
        case Binary::Lt: return wrap(x.lt(y));
        case Binary::Le: return wrap(x.le(y));
        case Binary::Gt: return wrap(x.gt(y));
        case Binary::Ge: return wrap(x.ge(y));
        case Binary::LogicalAnd: return wrap(x.logical_and(y));
        case Binary::LogicalOr: return wrap(x.logical_or(y));
        case Binary::MatMul: return wrap(x.matmul(y));
        case Binary::Remainder: return wrap(x.remainder(y));
        case Binary::FloorDivide: return wrap(x.floor_divide(y));
        case Binary::BitwiseAnd: return wrap(x.bitwise_and(y));
        case Binary::BitwiseOr: return wrap(x.bitwise_or(y));
        case Binary::LogicalXor: return wrap(x.logical_xor(y));
        case Binary::Bmm: return wrap(x.bmm(y));
        case Binary::Atan2: return wrap(x.atan2(y));
        default: throw std::invalid_argument("unknown binary op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

// ---- binary (tensor, scalar) --------------------------------------------------------------------------------

TRL_API TrlTensor trl_binary_scalar(TrlTensor a, double v, int op) {
    TRL_TRY
    const auto& x = *a;
    auto s = to_scalar(x, v);
    if (auto small = try_small_scalar(op, x, s); small.defined()) return wrap(std::move(small));
    BelowAutogradUnlessGrad fast(x.requires_grad());  // every scalar op is element-wise and out-of-place
    switch (op) {
        case ScalarOp::Add: return wrap(x.add(s));
        case ScalarOp::Sub: return wrap(x.sub(s));
        case ScalarOp::Mul: return wrap(x.mul(s));
        case ScalarOp::Div: return wrap(x.div(s));
        case ScalarOp::Pow: return wrap(x.pow(s));
        case ScalarOp::Minimum: return wrap(at::clamp_max(x, s));  // minimum(x, v)
        case ScalarOp::Maximum: return wrap(at::clamp_min(x, s));  // maximum(x, v)
        case ScalarOp::Eq: return wrap(x.eq(s));
        case ScalarOp::Ne: return wrap(x.ne(s));
        case ScalarOp::Lt: return wrap(x.lt(s));
        case ScalarOp::Le: return wrap(x.le(s));
        case ScalarOp::Gt: return wrap(x.gt(s));
        case ScalarOp::Ge: return wrap(x.ge(s));
        case ScalarOp::Remainder: return wrap(x.remainder(s));
        case ScalarOp::FloorDivide: return wrap(x.floor_divide(s));
        case ScalarOp::ReverseSub: return wrap(at::rsub(x, s));                  // v - x
        case ScalarOp::ReverseDiv: return wrap(x.reciprocal().mul(s));           // v / x
        case ScalarOp::ReversePow: return wrap(at::pow(s, x));                    // v ^ x
        case ScalarOp::Fmod: return wrap(x.fmod(s));
        default: throw std::invalid_argument("unknown scalar op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

// ---- in-place -----------------------------------------------------------------------------------------------

/// In-place with a tensor operand (b may be null for Zero); alpha scales b for Add/Sub, is Lerp's weight and
/// MaskedFill's value (b the mask).
TRL_API int trl_inplace(TrlTensor a, TrlTensor b, int op, double alpha) {
    TRL_TRY
    auto& x = *a;
    switch (op) {
        case InPlace::Add: x.add_(*b, alpha); break;
        case InPlace::Sub: x.sub_(*b, alpha); break;
        case InPlace::Mul: x.mul_(*b); break;
        case InPlace::Div: x.div_(*b); break;
        case InPlace::Copy: x.copy_(*b); break;
        case InPlace::Zero: x.zero_(); break;
        case InPlace::Lerp: x.lerp_(*b, alpha); break;
        case InPlace::MaskedFill: x.masked_fill_(*b, to_scalar(x, alpha)); break;
        default: throw std::invalid_argument("unknown in-place op " + std::to_string(op));
    }
    return 0;
    TRL_CATCH_RET(-1)
}

/// In-place with a scalar.
TRL_API int trl_inplace_scalar(TrlTensor a, double v, int op) {
    TRL_TRY
    auto& x = *a;
    auto s = to_scalar(x, v);
    switch (op) {
        case InPlaceScalar::Add: x.add_(s); break;
        case InPlaceScalar::Sub: x.sub_(s); break;
        case InPlaceScalar::Mul: x.mul_(s); break;
        case InPlaceScalar::Div: x.div_(s); break;
        case InPlaceScalar::Fill: x.fill_(s); break;
        case InPlaceScalar::Pow: x.pow_(s); break;
        case InPlaceScalar::ClampMin: x.clamp_min_(s); break;
        case InPlaceScalar::ClampMax: x.clamp_max_(s); break;
        default: throw std::invalid_argument("unknown in-place scalar op " + std::to_string(op));
    }
    return 0;
    TRL_CATCH_RET(-1)
}

// ---- reductions ---------------------------------------------------------------------------------------------

/// Whole-tensor reductions (Norm is the 2-norm; Std/Var unbiased, the *Biased forms not).
TRL_API TrlTensor trl_reduce_all(TrlTensor t, int op) {
    TRL_TRY
    const auto& x = *t;
    switch (op) {
        case ReduceAll::Sum: return wrap(x.sum());
        case ReduceAll::Mean: return wrap(x.mean());
        case ReduceAll::Max: return wrap(x.max());
        case ReduceAll::Min: return wrap(x.min());
        case ReduceAll::Norm: return wrap(x.norm());
        case ReduceAll::Std: return wrap(x.std(/*unbiased=*/true));
        case ReduceAll::Var: return wrap(x.var(/*unbiased=*/true));
        case ReduceAll::Prod: return wrap(x.prod());
        case ReduceAll::Any: return wrap(x.any());
        case ReduceAll::All: return wrap(x.all());
        case ReduceAll::ArgMax: return wrap(x.argmax());
        case ReduceAll::ArgMin: return wrap(x.argmin());
        case ReduceAll::StdBiased: return wrap(x.std(/*unbiased=*/false));
        case ReduceAll::VarBiased: return wrap(x.var(/*unbiased=*/false));
        default: throw std::invalid_argument("unknown reduction " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Reductions over dims. ArgMax, ArgMin, Prod, Any and All take only the first dim.
TRL_API TrlTensor trl_reduce_dims(TrlTensor t, int op, const int64_t* d, int nd, int keep) {
    TRL_TRY
    const auto& x = *t;
    auto ds = dims(d, nd);
    bool k = keep != 0;
    switch (op) {
        case ReduceDims::Sum: return wrap(x.sum(ds, k));
        case ReduceDims::Mean: return wrap(x.mean(ds, k));
        case ReduceDims::LogSumExp: return wrap(x.logsumexp(ds, k));
        case ReduceDims::ArgMax: return wrap(x.argmax(d[0], k));
        case ReduceDims::ArgMin: return wrap(x.argmin(d[0], k));
        case ReduceDims::Std: return wrap(x.std(ds, /*unbiased=*/true, k));
        case ReduceDims::Var: return wrap(x.var(ds, /*unbiased=*/true, k));
        case ReduceDims::Prod: return wrap(x.prod(d[0], k));
        case ReduceDims::Any: return wrap(x.any(d[0], k));
        case ReduceDims::All: return wrap(x.all(d[0], k));
        case ReduceDims::Norm: return wrap(x.norm(2, ds, k));
        case ReduceDims::StdBiased: return wrap(x.std(ds, /*unbiased=*/false, k));
        case ReduceDims::VarBiased: return wrap(x.var(ds, /*unbiased=*/false, k));
        case ReduceDims::AMax: return wrap(x.amax(ds, k));
        case ReduceDims::AMin: return wrap(x.amin(ds, k));
        default: throw std::invalid_argument("unknown dim reduction " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Two-result ops: max/min(dim=a, keepdim=b), topk(k=a, dim=b, largest=c&1, sorted=c&2),
/// sort(dim=a, descending=b). Writes values and indices.
TRL_API int trl_pair_op(TrlTensor t, int op, int64_t a, int64_t b, int64_t c, TrlTensor* values,
                        TrlTensor* indices) {
    TRL_TRY
    const auto& x = *t;
    std::tuple<at::Tensor, at::Tensor> r;
    switch (op) {
        case PairOp::Max: r = x.max(a, b != 0); break;
        case PairOp::Min: r = x.min(a, b != 0); break;
        case PairOp::TopK: r = x.topk(a, b, (c & 1) != 0, (c & 2) != 0); break;
        case PairOp::Sort: r = x.sort(a, b != 0); break;
        default: throw std::invalid_argument("unknown pair op " + std::to_string(op));
    }
    *values = wrap(std::move(std::get<0>(r)));
    *indices = wrap(std::move(std::get<1>(r)));
    return 0;
    TRL_CATCH_RET(-1)
}

// ---- dim / integer-argument ops -----------------------------------------------------------------------------

/// Ops with up to three integer arguments a, b, c (as each case passes them; SoftmaxFloat32 computes in float32
/// and casts back).
TRL_API TrlTensor trl_dim_op(TrlTensor t, int op, int64_t a, int64_t b, int64_t c) {
    TRL_TRY
    const auto& x = *t;
    switch (op) {
        case DimOp::Softmax: return wrap(x.softmax(a));
        case DimOp::LogSoftmax: return wrap(x.log_softmax(a));
        case DimOp::CumSum: return wrap(x.cumsum(a));
        case DimOp::Squeeze: return wrap(x.squeeze(a));
        case DimOp::Unsqueeze: return wrap(x.unsqueeze(a));
        case DimOp::Tril: return wrap(x.tril(a));
        case DimOp::Triu: return wrap(x.triu(a));
        case DimOp::Transpose: return wrap(x.transpose(a, b));
        case DimOp::Narrow: return wrap(x.narrow(a, b, c));
        case DimOp::Select: return wrap(x.select(a, b));
        case DimOp::Flatten: return wrap(x.flatten(a, b));
        case DimOp::CumProd: return wrap(x.cumprod(a));
        case DimOp::Diagonal: return wrap(x.diagonal(a));
        case DimOp::RepeatInterleave: return wrap(x.repeat_interleave(a, b));
        case DimOp::Roll: return wrap(x.roll(a, b));
        case DimOp::ArgSort: return wrap(x.argsort(a, b != 0));
        case DimOp::SoftmaxFloat32: return wrap(x.softmax(a, at::kFloat).to(x.scalar_type()));
        case DimOp::MoveDim: return wrap(x.movedim(a, b));
        default: throw std::invalid_argument("unknown dim op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

TRL_API TrlTensor trl_slice(TrlTensor t, int64_t dim, int64_t start, int64_t end, int64_t step) {
    TRL_TENSOR(t->slice(dim, start, end, step))
}

/// Ops taking a shape (or dims) list.
TRL_API TrlTensor trl_shape_op(TrlTensor t, int op, const int64_t* shape, int n) {
    TRL_TRY
    const auto& x = *t;
    auto s = dims(shape, n);
    switch (op) {
        case ShapeOp::Reshape: return wrap(x.reshape(s));
        case ShapeOp::View: return wrap(x.view(s));
        case ShapeOp::Expand: return wrap(x.expand(s));
        case ShapeOp::Permute: return wrap(x.permute(s));
        case ShapeOp::Repeat: return wrap(x.repeat(s));
        case ShapeOp::SumToSize: return wrap(x.sum_to_size(s));
        case ShapeOp::BroadcastTo: return wrap(x.broadcast_to(s));
        default: throw std::invalid_argument("unknown shape op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Splits along dim into pieces of `size` (SplitOp::Split) or into `size` chunks (SplitOp::Chunk); the handles
/// are written to a buffer from the allocator; returns their count.
TRL_API int trl_split(TrlTensor t, int op, int64_t size, int64_t dim, TrlAllocator alloc) {
    TRL_TRY
    std::vector<at::Tensor> parts;
    switch (op) {
        case SplitOp::Split: parts = t->split(size, dim); break;
        case SplitOp::Chunk: parts = t->chunk(size, dim); break;
        default: throw std::invalid_argument("unknown split op " + std::to_string(op));
    }
    auto* out = static_cast<TrlTensor*>(alloc(static_cast<int64_t>(parts.size() * sizeof(TrlTensor))));
    for (size_t i = 0; i < parts.size(); i++) out[i] = wrap(std::move(parts[i]));
    return static_cast<int>(parts.size());
    TRL_CATCH_RET(-1)
}

// ---- indexing -----------------------------------------------------------------------------------------------

/// Gathering along dim by an index tensor.
TRL_API TrlTensor trl_index_op(TrlTensor t, int op, int64_t dim, TrlTensor index) {
    TRL_TRY
    switch (op) {
        case IndexOp::IndexSelect: return wrap(t->index_select(dim, *index));
        case IndexOp::Gather: return wrap(t->gather(dim, *index));
        case IndexOp::TakeAlongDim: return wrap(at::take_along_dim(*t, *index, dim));
        default: throw std::invalid_argument("unknown index op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Three-tensor ops (dim, index, src; MaskedScatter takes the mask as index), out of place; the *InPlace forms
/// write into t and return a new handle to it.
TRL_API TrlTensor trl_scatter_op(TrlTensor t, int op, int64_t dim, TrlTensor index, TrlTensor src) {
    TRL_TRY
    switch (op) {
        case ScatterOp::Scatter: return wrap(t->scatter(dim, *index, *src));
        case ScatterOp::ScatterAdd: return wrap(t->scatter_add(dim, *index, *src));
        case ScatterOp::IndexAdd: return wrap(t->index_add(dim, *index, *src));
        case ScatterOp::IndexCopy: return wrap(t->index_copy(dim, *index, *src));
        case ScatterOp::MaskedScatter: return wrap(t->masked_scatter(*index, *src));
        case ScatterOp::ScatterInPlace: t->scatter_(dim, *index, *src); return wrap(at::Tensor(*t));
        case ScatterOp::ScatterAddInPlace: t->scatter_add_(dim, *index, *src); return wrap(at::Tensor(*t));
        case ScatterOp::IndexAddInPlace: t->index_add_(dim, *index, *src); return wrap(at::Tensor(*t));
        case ScatterOp::IndexCopyInPlace: t->index_copy_(dim, *index, *src); return wrap(at::Tensor(*t));
        default: throw std::invalid_argument("unknown scatter op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// t[indices...] = values (in place), the indices being one tensor per leading dim (advanced indexing).
TRL_API int trl_index_put_(TrlTensor t, const TrlTensor* indices, int n, TrlTensor values, int accumulate) {
    TRL_TRY
    c10::List<c10::optional<at::Tensor>> idx;
    for (int i = 0; i < n; i++) idx.push_back(*indices[i]);
    t->index_put_(idx, *values, accumulate != 0);
    return 0;
    TRL_CATCH_RET(-1)
}

/// t[indices...] (advanced indexing with one index tensor per leading dim).
TRL_API TrlTensor trl_index(TrlTensor t, const TrlTensor* indices, int n) {
    TRL_TRY
    c10::List<c10::optional<at::Tensor>> idx;
    for (int i = 0; i < n; i++) idx.push_back(*indices[i]);
    return wrap(t->index(idx));
    TRL_CATCH_RET(nullptr)
}

TRL_API TrlTensor trl_masked_fill(TrlTensor t, TrlTensor mask, double value) {
    TRL_TENSOR(t->masked_fill(*mask, to_scalar(*t, value)))
}

TRL_API TrlTensor trl_masked_select(TrlTensor t, TrlTensor mask) { TRL_TENSOR(t->masked_select(*mask)) }

TRL_API TrlTensor trl_where(TrlTensor cond, TrlTensor a, TrlTensor b) { TRL_TENSOR(at::where(*cond, *a, *b)) }

TRL_API TrlTensor trl_where_scalar(TrlTensor cond, TrlTensor a, double b) {
    TRL_TENSOR(at::where(*cond, *a, to_scalar(*a, b)))
}

TRL_API TrlTensor trl_clamp(TrlTensor t, int has_min, double min, int has_max, double max) {
    TRL_TRY
    c10::optional<at::Scalar> lo, hi;
    if (has_min) lo = to_scalar(*t, min);
    if (has_max) hi = to_scalar(*t, max);
    return wrap(t->clamp(lo, hi));
    TRL_CATCH_RET(nullptr)
}

TRL_API TrlTensor trl_cat(const TrlTensor* ts, int n, int64_t dim, int stack) {
    TRL_TRY
    auto list = tensor_list(ts, n);
    return wrap(stack ? at::stack(list, dim) : at::cat(list, dim));
    TRL_CATCH_RET(nullptr)
}

/// Conversion: dtype < 0 keeps the dtype, dev_type < 0 keeps the device. copy forces a new tensor.
TRL_API TrlTensor trl_to(TrlTensor t, int dtype, int dev_type, int dev_index, int copy) {
    TRL_TRY
    auto st = dtype < 0 ? t->scalar_type() : to_scalar_type(dtype);
    auto dev = dev_type < 0 ? t->device() : to_device(dev_type, dev_index);
    return wrap(t->to(dev, st, /*non_blocking=*/false, copy != 0));
    TRL_CATCH_RET(nullptr)
}

/// 0 tensor norm p over all (p = a)  1 dist? reserved.
TRL_API TrlTensor trl_norm_p(TrlTensor t, double p, const int64_t* d, int nd, int keep) {
    TRL_TRY
    if (nd == 0) return wrap(t->norm(p));
    return wrap(t->norm(p, dims(d, nd), keep != 0));
    TRL_CATCH_RET(nullptr)
}

TRL_API int trl_allclose(TrlTensor a, TrlTensor b, double rtol, double atol, int* out) {
    TRL_STATUS(*out = at::allclose(*a, *b, rtol, atol) ? 1 : 0)
}

TRL_API int trl_equal(TrlTensor a, TrlTensor b, int* out) { TRL_STATUS(*out = at::equal(*a, *b) ? 1 : 0) }
