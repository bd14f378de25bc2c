// Bridge ops: element-wise math, reductions, views, indexing. Families share one export with an op code
// (enums mirrored in src/ToolRL.Torch/Native/OpCodes.cs) to keep the export table and the P/Invoke surface small;
// a switch costs nothing next to ATen's dispatcher.
#include "bridge.h"
#include "small_ops.h"

#include <cstring>

using namespace trl;

// ---- unary --------------------------------------------------------------------------------------------------

/// Unary codes 0-12 and 16-30, 35 are element-wise and out-of-place (the rest are views or aliases).
static bool unary_is_elementwise(int op) { return (op >= 0 && op <= 12) || (op >= 16 && op <= 30) || op == 35; }

TRL_API TrlTensor trl_unary(TrlTensor t, int op) {
    TRL_TRY
    const auto& x = *t;
    BelowAutogradUnlessGrad fast(!unary_is_elementwise(op) || x.requires_grad());
    switch (op) {
        case 0: return wrap(x.exp());
        case 1: return wrap(x.log());
        case 2: return wrap(x.sqrt());
        case 3: return wrap(x.rsqrt());
        case 4: return wrap(x.neg());
        case 5: return wrap(x.abs());
        case 6: return wrap(at::silu(x));
        case 7: return wrap(x.sigmoid());
        case 8: return wrap(x.tanh());
        case 9: return wrap(x.relu());
        case 10: return wrap(x.square());
        case 11: return wrap(x.isfinite());
        case 12: return wrap(x.logical_not());
        case 13: return wrap(x.contiguous());
        case 14: return wrap(x.clone());
        case 15: return wrap(x.detach());
        case 16: return wrap(x.sin());
        case 17: return wrap(x.cos());
        case 18: return wrap(x.floor());
        case 19: return wrap(x.ceil());
        case 20: return wrap(x.round());
        case 21: return wrap(x.sign());
        case 22: return wrap(at::gelu(x, "tanh"));
        case 23: return wrap(x.erf());
        case 24: return wrap(x.isnan());
        case 25: return wrap(x.isinf());
        case 26: return wrap(x.reciprocal());
        case 27: return wrap(x.log1p());
        case 28: return wrap(x.expm1());
        case 29: return wrap(at::gelu(x));
        case 30: return wrap(at::log_sigmoid(x));
        case 31: return wrap(x.t());
        case 32: return wrap(x.flatten());
        case 33: return wrap(x.squeeze());
        case 34: return wrap(x.nonzero());
        case 35: return wrap(x.trunc());
        default: throw std::invalid_argument("unknown unary op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

// ---- binary (tensor, tensor) --------------------------------------------------------------------------------

/// Binary codes other than matmul (15) and bmm (21), composites that reshape through views, are element-wise.
static bool binary_is_elementwise(int op) { return op >= 0 && op <= 22 && op != 15 && op != 21; }

TRL_API TrlTensor trl_binary(TrlTensor a, TrlTensor b, int op, double alpha) {
    TRL_TRY
    const auto& x = *a;
    const auto& y = *b;
    if (auto small = try_small_binary(op, x, y, alpha); small.defined()) return wrap(std::move(small));
    BelowAutogradUnlessGrad fast(!binary_is_elementwise(op) || x.requires_grad() || y.requires_grad());
    switch (op) {
        case 0: return wrap(alpha == 1.0 ? x.add(y) : x.add(y, alpha));
        case 1: return wrap(alpha == 1.0 ? x.sub(y) : x.sub(y, alpha));
        case 2: return wrap(x.mul(y));
        case 3: return wrap(x.div(y));
        case 4: return wrap(x.pow(y));
        case 5: return wrap(at::minimum(x, y));
        case 6: return wrap(at::maximum(x, y));
        case 7: return wrap(x.eq(y));
        case 8: return wrap(x.ne(y));
        case 9: return wrap(x.lt(y));
        case 10: return wrap(x.le(y));
        case 11: return wrap(x.gt(y));
        case 12: return wrap(x.ge(y));
        case 13: return wrap(x.logical_and(y));
        case 14: return wrap(x.logical_or(y));
        case 15: return wrap(x.matmul(y));
        case 16: return wrap(x.remainder(y));
        case 17: return wrap(x.floor_divide(y));
        case 18: return wrap(x.bitwise_and(y));
        case 19: return wrap(x.bitwise_or(y));
        case 20: return wrap(x.logical_xor(y));
        case 21: return wrap(x.bmm(y));
        case 22: return wrap(x.atan2(y));
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
        case 0: return wrap(x.add(s));
        case 1: return wrap(x.sub(s));
        case 2: return wrap(x.mul(s));
        case 3: return wrap(x.div(s));
        case 4: return wrap(x.pow(s));
        case 5: return wrap(at::clamp_max(x, s));  // minimum(x, v)
        case 6: return wrap(at::clamp_min(x, s));  // maximum(x, v)
        case 7: return wrap(x.eq(s));
        case 8: return wrap(x.ne(s));
        case 9: return wrap(x.lt(s));
        case 10: return wrap(x.le(s));
        case 11: return wrap(x.gt(s));
        case 12: return wrap(x.ge(s));
        case 16: return wrap(x.remainder(s));
        case 17: return wrap(x.floor_divide(s));
        case 30: return wrap(at::rsub(x, s));                  // v - x
        case 31: return wrap(x.reciprocal().mul(s));           // v / x
        case 32: return wrap(at::pow(s, x));                    // v ^ x
        case 33: return wrap(x.fmod(s));
        default: throw std::invalid_argument("unknown scalar op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

// ---- in-place -----------------------------------------------------------------------------------------------

/// In-place with a tensor operand (b may be null for ops that take none).
/// 0 add_(b, alpha) 1 sub_(b, alpha) 2 mul_ 3 div_ 4 copy_ 5 zero_ 6 lerp_(b, alpha) 7 clamp_(has-min alpha..)
TRL_API int trl_inplace(TrlTensor a, TrlTensor b, int op, double alpha) {
    TRL_TRY
    auto& x = *a;
    switch (op) {
        case 0: x.add_(*b, alpha); break;
        case 1: x.sub_(*b, alpha); break;
        case 2: x.mul_(*b); break;
        case 3: x.div_(*b); break;
        case 4: x.copy_(*b); break;
        case 5: x.zero_(); break;
        case 6: x.lerp_(*b, alpha); break;
        case 7: x.masked_fill_(*b, to_scalar(x, alpha)); break;
        default: throw std::invalid_argument("unknown in-place op " + std::to_string(op));
    }
    return 0;
    TRL_CATCH_RET(-1)
}

/// In-place with a scalar: 0 add_ 1 sub_ 2 mul_ 3 div_ 4 fill_ 5 pow_ 6 clamp_min_ 7 clamp_max_
TRL_API int trl_inplace_scalar(TrlTensor a, double v, int op) {
    TRL_TRY
    auto& x = *a;
    auto s = to_scalar(x, v);
    switch (op) {
        case 0: x.add_(s); break;
        case 1: x.sub_(s); break;
        case 2: x.mul_(s); break;
        case 3: x.div_(s); break;
        case 4: x.fill_(s); break;
        case 5: x.pow_(s); break;
        case 6: x.clamp_min_(s); break;
        case 7: x.clamp_max_(s); break;
        default: throw std::invalid_argument("unknown in-place scalar op " + std::to_string(op));
    }
    return 0;
    TRL_CATCH_RET(-1)
}

// ---- reductions ---------------------------------------------------------------------------------------------

/// Whole-tensor reductions: 0 sum 1 mean 2 max 3 min 4 norm(2) 5 std 6 var 7 prod 8 any 9 all 10 argmax
/// 11 argmin 12 std (biased) 13 var (biased)
TRL_API TrlTensor trl_reduce_all(TrlTensor t, int op) {
    TRL_TRY
    const auto& x = *t;
    switch (op) {
        case 0: return wrap(x.sum());
        case 1: return wrap(x.mean());
        case 2: return wrap(x.max());
        case 3: return wrap(x.min());
        case 4: return wrap(x.norm());
        case 5: return wrap(x.std(/*unbiased=*/true));
        case 6: return wrap(x.var(/*unbiased=*/true));
        case 7: return wrap(x.prod());
        case 8: return wrap(x.any());
        case 9: return wrap(x.all());
        case 10: return wrap(x.argmax());
        case 11: return wrap(x.argmin());
        case 12: return wrap(x.std(/*unbiased=*/false));
        case 13: return wrap(x.var(/*unbiased=*/false));
        default: throw std::invalid_argument("unknown reduction " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Reductions over dims: 0 sum 1 mean 2 logsumexp 3 argmax 4 argmin 5 std 6 var 7 prod 8 any 9 all 10 norm(2)
/// 11 std (biased) 12 var (biased) 13 amax 14 amin. Ops 3, 4, 7, 8, 9 take only the first dim.
TRL_API TrlTensor trl_reduce_dims(TrlTensor t, int op, const int64_t* d, int nd, int keep) {
    TRL_TRY
    const auto& x = *t;
    auto ds = dims(d, nd);
    bool k = keep != 0;
    switch (op) {
        case 0: return wrap(x.sum(ds, k));
        case 1: return wrap(x.mean(ds, k));
        case 2: return wrap(x.logsumexp(ds, k));
        case 3: return wrap(x.argmax(d[0], k));
        case 4: return wrap(x.argmin(d[0], k));
        case 5: return wrap(x.std(ds, /*unbiased=*/true, k));
        case 6: return wrap(x.var(ds, /*unbiased=*/true, k));
        case 7: return wrap(x.prod(d[0], k));
        case 8: return wrap(x.any(d[0], k));
        case 9: return wrap(x.all(d[0], k));
        case 10: return wrap(x.norm(2, ds, k));
        case 11: return wrap(x.std(ds, /*unbiased=*/false, k));
        case 12: return wrap(x.var(ds, /*unbiased=*/false, k));
        case 13: return wrap(x.amax(ds, k));
        case 14: return wrap(x.amin(ds, k));
        default: throw std::invalid_argument("unknown dim reduction " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Two-result ops. 0 max(dim) 1 min(dim) 2 topk(k=a, dim=b, largest=c&1, sorted=c&2) 3 sort(dim=a, descending=b)
/// 4 median(dim) 5 mode(dim). Writes values and indices.
TRL_API int trl_pair_op(TrlTensor t, int op, int64_t a, int64_t b, int64_t c, TrlTensor* values,
                        TrlTensor* indices) {
    TRL_TRY
    const auto& x = *t;
    std::tuple<at::Tensor, at::Tensor> r;
    switch (op) {
        case 0: r = x.max(a, b != 0); break;
        case 1: r = x.min(a, b != 0); break;
        case 2: r = x.topk(a, b, (c & 1) != 0, (c & 2) != 0); break;
        case 3: r = x.sort(a, b != 0); break;
        default: throw std::invalid_argument("unknown pair op " + std::to_string(op));
    }
    *values = wrap(std::move(std::get<0>(r)));
    *indices = wrap(std::move(std::get<1>(r)));
    return 0;
    TRL_CATCH_RET(-1)
}

// ---- dim / integer-argument ops -----------------------------------------------------------------------------

/// 0 softmax(a) 1 log_softmax(a) 2 cumsum(a) 3 squeeze(a) 4 unsqueeze(a) 5 tril(a) 6 triu(a) 7 transpose(a,b)
/// 8 narrow(a,b,c) 9 select(a,b) 10 flatten(a,b) 11 cumprod(a) 12 diagonal(a) 13 repeat_interleave(a, dim b)
/// 14 roll(a, dim b) 15 argsort(a, descending b) 16 softmax in float32 over a (cast back) 17 movedim(a,b)
TRL_API TrlTensor trl_dim_op(TrlTensor t, int op, int64_t a, int64_t b, int64_t c) {
    TRL_TRY
    const auto& x = *t;
    switch (op) {
        case 0: return wrap(x.softmax(a));
        case 1: return wrap(x.log_softmax(a));
        case 2: return wrap(x.cumsum(a));
        case 3: return wrap(x.squeeze(a));
        case 4: return wrap(x.unsqueeze(a));
        case 5: return wrap(x.tril(a));
        case 6: return wrap(x.triu(a));
        case 7: return wrap(x.transpose(a, b));
        case 8: return wrap(x.narrow(a, b, c));
        case 9: return wrap(x.select(a, b));
        case 10: return wrap(x.flatten(a, b));
        case 11: return wrap(x.cumprod(a));
        case 12: return wrap(x.diagonal(a));
        case 13: return wrap(x.repeat_interleave(a, b));
        case 14: return wrap(x.roll(a, b));
        case 15: return wrap(x.argsort(a, b != 0));
        case 16: return wrap(x.softmax(a, at::kFloat).to(x.scalar_type()));
        case 17: return wrap(x.movedim(a, b));
        default: throw std::invalid_argument("unknown dim op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

TRL_API TrlTensor trl_slice(TrlTensor t, int64_t dim, int64_t start, int64_t end, int64_t step) {
    TRL_TENSOR(t->slice(dim, start, end, step))
}

/// Shape-list ops: 0 reshape 1 view 2 expand 3 permute 4 repeat 5 sum_to_size 6 broadcast_to
TRL_API TrlTensor trl_shape_op(TrlTensor t, int op, const int64_t* shape, int n) {
    TRL_TRY
    const auto& x = *t;
    auto s = dims(shape, n);
    switch (op) {
        case 0: return wrap(x.reshape(s));
        case 1: return wrap(x.view(s));
        case 2: return wrap(x.expand(s));
        case 3: return wrap(x.permute(s));
        case 4: return wrap(x.repeat(s));
        case 5: return wrap(x.sum_to_size(s));
        case 6: return wrap(x.broadcast_to(s));
        default: throw std::invalid_argument("unknown shape op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Splits along dim into pieces of `size` (op 0, split) or into `size` chunks (op 1, chunk); the handles are
/// written to a buffer from the allocator; returns their count.
TRL_API int trl_split(TrlTensor t, int op, int64_t size, int64_t dim, TrlAllocator alloc) {
    TRL_TRY
    auto parts = op == 0 ? t->split(size, dim) : t->chunk(size, dim);
    auto* out = static_cast<TrlTensor*>(alloc(static_cast<int64_t>(parts.size() * sizeof(TrlTensor))));
    for (size_t i = 0; i < parts.size(); i++) out[i] = wrap(std::move(parts[i]));
    return static_cast<int>(parts.size());
    TRL_CATCH_RET(-1)
}

// ---- indexing -----------------------------------------------------------------------------------------------

/// 0 index_select(dim, idx) 1 gather(dim, idx) 2 take_along_dim(idx, dim)
TRL_API TrlTensor trl_index_op(TrlTensor t, int op, int64_t dim, TrlTensor index) {
    TRL_TRY
    switch (op) {
        case 0: return wrap(t->index_select(dim, *index));
        case 1: return wrap(t->gather(dim, *index));
        case 2: return wrap(at::take_along_dim(*t, *index, dim));
        default: throw std::invalid_argument("unknown index op " + std::to_string(op));
    }
    TRL_CATCH_RET(nullptr)
}

/// Three-tensor ops: 0 scatter(dim, idx, src) 1 scatter_add 2 index_add(dim, idx, src) 3 index_copy
/// 4 masked_scatter(mask=idx, src) — all out-of-place; 10.. the same in place on t (returns t's handle copy).
TRL_API TrlTensor trl_scatter_op(TrlTensor t, int op, int64_t dim, TrlTensor index, TrlTensor src) {
    TRL_TRY
    switch (op) {
        case 0: return wrap(t->scatter(dim, *index, *src));
        case 1: return wrap(t->scatter_add(dim, *index, *src));
        case 2: return wrap(t->index_add(dim, *index, *src));
        case 3: return wrap(t->index_copy(dim, *index, *src));
        case 4: return wrap(t->masked_scatter(*index, *src));
        case 10: t->scatter_(dim, *index, *src); return wrap(at::Tensor(*t));
        case 11: t->scatter_add_(dim, *index, *src); return wrap(at::Tensor(*t));
        case 12: t->index_add_(dim, *index, *src); return wrap(at::Tensor(*t));
        case 13: t->index_copy_(dim, *index, *src); return wrap(at::Tensor(*t));
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
