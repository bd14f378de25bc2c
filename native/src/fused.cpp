// Bridge composites: nn functions, losses, transformer building blocks and optimiser steps. Each one replaces
// several managed→native calls (and temporaries) with one, which matters for a token-by-token decode loop.
// Only ops that exist in libtorch 1.13 and 2.x are used (1.13 has no scaled_dot_product_attention or rms_norm).
#include "bridge.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TRL_ADAMW_KERNEL 1
#endif

using namespace trl;

TRL_API TrlTensor trl_linear(TrlTensor x, TrlTensor w, TrlTensor b) {
    TRL_TENSOR(b ? at::linear(*x, *w, *b) : at::linear(*x, *w))
}

TRL_API TrlTensor trl_embedding(TrlTensor weight, TrlTensor ids) { TRL_TENSOR(at::embedding(*weight, *ids)) }

/// reduction: 0 none, 1 mean, 2 sum (at::Reduction order).
TRL_API TrlTensor trl_cross_entropy(TrlTensor logits, TrlTensor targets, int64_t ignore_index, int reduction,
                                    double label_smoothing) {
    TRL_TENSOR(at::cross_entropy_loss(*logits, *targets, c10::nullopt, reduction, ignore_index, label_smoothing))
}

/// Qwen2/Llama RMSNorm as Hugging Face computes it: variance in float32, normalise, cast back to the input
/// dtype, then scale by the weight: w * (x / sqrt(mean(x²) + eps)).to(x.dtype).
TRL_API TrlTensor trl_rms_norm(TrlTensor x, TrlTensor weight, double eps) {
    TRL_TRY
    auto h = x->to(at::kFloat);
    auto variance = h.pow(2).mean(-1, /*keepdim=*/true);
    h = h * (variance + eps).rsqrt();
    return wrap(weight->mul(h.to(x->scalar_type())));
    TRL_CATCH_RET(nullptr)
}

/// silu(gate) * up, the SwiGLU activation of the Qwen2 MLP.
TRL_API TrlTensor trl_silu_mul(TrlTensor gate, TrlTensor up) { TRL_TENSOR(at::silu(*gate).mul_(*up)) }

/// Rotary position embedding (HF apply_rotary_pos_emb): x·cos + rotate_half(x)·sin with
/// rotate_half(x) = cat(-x[..., d/2:], x[..., :d/2]); cos/sin broadcast against x.
TRL_API TrlTensor trl_rotary(TrlTensor x, TrlTensor cos, TrlTensor sin) {
    TRL_TRY
    auto half = x->size(-1) / 2;
    auto x1 = x->narrow(-1, 0, half);
    auto x2 = x->narrow(-1, half, half);
    auto rotated = at::cat({x2.neg(), x1}, -1);
    return wrap(x->mul(*cos).add_(rotated.mul(*sin)));
    TRL_CATCH_RET(nullptr)
}

static at::Scalar lowest_of(at::ScalarType t) {
    switch (t) {
        case at::kDouble: return at::Scalar(std::numeric_limits<double>::lowest());
        case at::kHalf: return at::Scalar(-65504.0);
        case at::kBFloat16: return at::Scalar(-3.3895313892515355e38);
        default: return at::Scalar(static_cast<double>(std::numeric_limits<float>::lowest()));
    }
}

/// Eager attention as HF Qwen2 computes it (1.13 has no SDPA): softmax(q·kᵀ·scale + mask) · v with the
/// softmax in float32 and cast back. q [B,H,T,D]; k, v [B,Hkv,S,D] with H a multiple of Hkv. mask: optional;
/// bool = true where attending is allowed, otherwise added to the scores. causal: query i (at absolute
/// position S-T+i) sees keys 0..S-T+i. Masked scores take the dtype's lowest finite value (not -inf) so fully
/// masked padding rows stay finite, as in HF.
///
/// Grouped-query heads are NOT materialised with repeat_interleave (HF's repeat_kv copies the whole KV cache
/// every step): query head h uses kv head h / rep, so q is viewed as [B, Hkv, rep·T, D] and multiplied with
/// k and v as they are. The dot products are the same; only the copies go.
TRL_API TrlTensor trl_attention(TrlTensor q, TrlTensor k, TrlTensor v, TrlTensor mask, int causal, double scale) {
    TRL_TRY
    const auto b = q->size(0), heads = q->size(1), t = q->size(2), d = q->size(3);
    const auto kv_heads = k->size(1), s = k->size(2);
    if (heads % kv_heads != 0)
        throw std::invalid_argument("attention: " + std::to_string(heads) + " query heads is not a multiple of " +
                                    std::to_string(kv_heads) + " key/value heads");
    const auto rep = heads / kv_heads;
    auto grouped_q = q->reshape({b, kv_heads, rep * t, d});
    auto scores = at::matmul(grouped_q, k->transpose(-2, -1)).mul_(scale).view({b, heads, t, s});
    auto low = lowest_of(scores.scalar_type());
    if (causal && t > 1) {
        auto future = at::ones({t, s}, scores.options().dtype(at::kBool)).triu_(s - t + 1);
        scores.masked_fill_(future, low);
    }
    if (mask) {
        if (mask->scalar_type() == at::kBool) scores.masked_fill_(mask->logical_not(), low);
        else scores.add_(*mask);
    }
    auto probs = scores.softmax(-1, at::kFloat).to(q->scalar_type());
    return wrap(at::matmul(probs.view({b, kv_heads, rep * t, s}), *v).view({b, heads, t, d}));
    TRL_CATCH_RET(nullptr)
}

/// log p(ids) under logits (float32): logits.gather(ids) - logsumexp(logits), without materialising the full
/// log-softmax. logits [..., V], ids [...] (int64) → [...].
TRL_API TrlTensor trl_token_logprobs(TrlTensor logits, TrlTensor ids) {
    TRL_TRY
    auto lf = logits->to(at::kFloat);
    auto picked = lf.gather(-1, ids->unsqueeze(-1)).squeeze(-1);
    return wrap(picked - lf.logsumexp(-1));
    TRL_CATCH_RET(nullptr)
}

/// Entropy of softmax(logits) over the last dim, in float32: logsumexp(l) - Σ softmax(l)·l.
TRL_API TrlTensor trl_entropy_from_logits(TrlTensor logits) {
    TRL_TRY
    auto lf = logits->to(at::kFloat);
    auto p = lf.softmax(-1);
    return wrap(lf.logsumexp(-1) - (p * lf).sum(-1));
    TRL_CATCH_RET(nullptr)
}

/// The AdamW update of one parameter (or one block of it): see trl_adamw_step. `denom`: scratch shaped like p.
static void adamw_update(at::Tensor p, const at::Tensor& g, at::Tensor m, at::Tensor v, at::Tensor denom, double lr,
                         double beta1, double beta2, double eps, double weight_decay, double step_size,
                         double bc2_sqrt) {
    if (weight_decay != 0) p.mul_(1.0 - lr * weight_decay);
    m.mul_(beta1).add_(g, 1.0 - beta1);
    v.mul_(beta2).addcmul_(g, g, 1.0 - beta2);
    at::sqrt_out(denom, v).div_(bc2_sqrt).add_(eps);                            // √v / √(1−β2^t) + eps
    p.addcdiv_(m, denom, -step_size);
}

#ifdef TRL_ADAMW_KERNEL
/// The same AdamW update in one pass over contiguous float32 p, g, m, v, element by element, with each step rounded
/// as libtorch's kernels round it: the scalars in float; m·β1 then the fused multiply-add of libtorch's vectorised
/// add_(g, alpha); v·β2 then addcmul's ((1−β2)·g)·g + v as one FMA (libtorch's AVX2 kernel is compiled with
/// contraction: measured, every element of 100,000 matches the FMA form); √v / √(1−β2^t) + eps;
/// p + (−step·m) / denom. Nine memory-bound passes
/// become one (0.5B slice, 166 M parameters: 0.84 s → 0.29 s per step); tests check the bits against
/// torch.optim.AdamW itself (python3-torch fixture). The bridge is compiled with -ffp-contract=off so that only the FMA written here is one.
__attribute__((target("avx2,fma"))) static void adamw_f32(float* p, const float* g, float* m, float* v, int64_t n,
                                                         float decay, bool apply_decay, float b1, float one_minus_b1,
                                                         float b2, float one_minus_b2, float bc2_sqrt, float eps,
                                                         float neg_step) {
    const __m256 vdecay = _mm256_set1_ps(decay), vb1 = _mm256_set1_ps(b1), vomb1 = _mm256_set1_ps(one_minus_b1),
                 vb2 = _mm256_set1_ps(b2), vomb2 = _mm256_set1_ps(one_minus_b2), vbc2 = _mm256_set1_ps(bc2_sqrt),
                 veps = _mm256_set1_ps(eps), vstep = _mm256_set1_ps(neg_step);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 pi = _mm256_loadu_ps(p + i);
        const __m256 gi = _mm256_loadu_ps(g + i);
        if (apply_decay) pi = _mm256_mul_ps(pi, vdecay);
        const __m256 mi = _mm256_fmadd_ps(gi, vomb1, _mm256_mul_ps(_mm256_loadu_ps(m + i), vb1));
        const __m256 vi = _mm256_fmadd_ps(_mm256_mul_ps(vomb2, gi), gi, _mm256_mul_ps(_mm256_loadu_ps(v + i), vb2));
        const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), vbc2), veps);
        pi = _mm256_add_ps(pi, _mm256_div_ps(_mm256_mul_ps(vstep, mi), denom));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(p + i, pi);
    }
    for (; i < n; ++i) {
        float pi = apply_decay ? p[i] * decay : p[i];
        const float mi = std::fma(g[i], one_minus_b1, m[i] * b1);
        const float vi = std::fma(one_minus_b2 * g[i], g[i], v[i] * b2);
        const float denom = std::sqrt(vi) / bc2_sqrt + eps;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi + (neg_step * mi) / denom;
    }
}
#endif

/// One AdamW step over n parameters, exactly torch.optim.AdamW's single-tensor algorithm (decoupled decay):
///   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
///   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + eps)
/// Parameters without a gradient are skipped. Runs without recording autograd history. Large contiguous
/// parameters are updated in blocks of 16 K elements: the same element-wise operations (so the same bits), but the
/// blocks of p, g, m, v and the denominator (5 × 64 KB) stay in cache across the nine passes instead of streaming
/// a 151,936 × H embedding through main memory nine times, and no temporary is allocated per block.
TRL_API int trl_adamw_step(const TrlTensor* params, const TrlTensor* exp_avg, const TrlTensor* exp_avg_sq, int n,
                           int64_t step, double lr, double beta1, double beta2, double eps, double weight_decay) {
    TRL_TRY
    at::NoGradGuard no_grad;
    double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(step)));
    double step_size = lr / bc1;
    constexpr int64_t block = int64_t{1} << 14;
    at::Tensor scratch;
    for (int i = 0; i < n; i++) {
        auto p = params[i]->detach();
        const auto& g = params[i]->grad();
        if (!g.defined()) continue;
        auto& m = *exp_avg[i];
        auto& v = *exp_avg_sq[i];
        const int64_t numel = p.numel();
#ifdef TRL_ADAMW_KERNEL
        const bool fused = p.scalar_type() == at::kFloat && g.scalar_type() == at::kFloat && m.scalar_type() == at::kFloat &&
                           v.scalar_type() == at::kFloat && p.is_cpu() && g.is_cpu() && p.is_contiguous() &&
                           g.is_contiguous() && m.is_contiguous() && v.is_contiguous() && cpu_has_avx2_fma();
        if (fused) {
            float* pp = p.data_ptr<float>();
            const float* gp = g.data_ptr<float>();
            float* mp = m.data_ptr<float>();
            float* vp = v.data_ptr<float>();
            at::parallel_for(0, numel, block, [&](int64_t b, int64_t e) {
                adamw_f32(pp + b, gp + b, mp + b, vp + b, e - b, static_cast<float>(1.0 - lr * weight_decay),
                          weight_decay != 0, static_cast<float>(beta1), static_cast<float>(1.0 - beta1),
                          static_cast<float>(beta2), static_cast<float>(1.0 - beta2), static_cast<float>(bc2_sqrt),
                          static_cast<float>(eps), static_cast<float>(-step_size));
            });
            continue;
        }
#endif
        if (numel <= block || !p.is_contiguous() || !g.is_contiguous() || !m.is_contiguous() || !v.is_contiguous()) {
            adamw_update(p, g, m, v, at::empty_like(v), lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt);
            continue;
        }
        if (!scratch.defined() || scratch.scalar_type() != v.scalar_type() || scratch.device() != v.device())
            scratch = at::empty({block}, v.options());
        auto pf = p.view(-1), gf = g.view(-1), mf = m.view(-1), vf = v.view(-1);
        for (int64_t s = 0; s < numel; s += block) {
            const int64_t c = std::min(block, numel - s);
            adamw_update(pf.narrow(0, s, c), gf.narrow(0, s, c), mf.narrow(0, s, c), vf.narrow(0, s, c),
                         scratch.narrow(0, 0, c), lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt);
        }
    }
    return 0;
    TRL_CATCH_RET(-1)
}

/// Global-norm clipping as torch.nn.utils.clip_grad_norm_: total = ‖(‖g_i‖_p)_i‖_p; when finite and above
/// max_norm every gradient is scaled by max_norm / (total + 1e-6). A non-finite total is reported and nothing
/// is scaled (the caller skips the step). Writes the total norm; parameters without a gradient are skipped.
TRL_API int trl_clip_grad_norm(const TrlTensor* params, int n, double max_norm, double norm_type, double* total_out) {
    TRL_TRY
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> norms;
    std::vector<at::Tensor> grads;
    for (int i = 0; i < n; i++) {
        const auto& g = params[i]->grad();
        if (!g.defined()) continue;
        grads.push_back(g);
        norms.push_back(std::isinf(norm_type) ? g.abs().max().to(at::kFloat) : g.norm(norm_type).to(at::kFloat));
    }
    if (grads.empty()) { *total_out = 0.0; return 0; }
    auto stacked = at::stack(norms);
    auto total_t = std::isinf(norm_type) ? stacked.max() : stacked.norm(norm_type);
    double total = total_t.item<double>();
    *total_out = total;
    if (!std::isfinite(total)) return 0;
    double coef = max_norm / (total + 1e-6);
    if (coef < 1.0)
        for (auto& g : grads) g.mul_(coef);
    return 0;
    TRL_CATCH_RET(-1)
}
