// Model-area bridge ops: a decode step's token choice and its log-probability in one or two passes over the logits,
// greedy (argmax) or sampled from softmax(logits / T).
//
// Greedy generation needs, per row of the step's logits [R, V], argmax(l) and log softmax(l)[argmax] (the
// sequence log-prob RL trains on). Through libtorch that is argmax, gather and logsumexp: four passes over R × V
// floats (V = 151,936: 4.9 MB for 8 rows) and ~5 ms of a ~15 ms decode step on one thread. Since the chosen token
// holds the maximum m, its log-prob is m − (m + log Σ exp(l − m)) = −log Σ exp(l − m): one pass for the maximum and
// one for the sum (which also finds the first index holding m, argmax's tie rule) suffice, with exp evaluated in
// AVX2 registers (below). Rows holding NaN, other dtypes or devices, and CPUs without AVX2 + FMA go through libtorch.
//
// Sampling at temperature T without top-k/top-p is the same walk: the maximum, then S = Σ exp((l − m)/T), then
// one uniform u per row (drawn by the caller from the run's seeded generator) and a scan for the first token whose
// running sum of exp((l − m)/T) reaches u·S: inverse-CDF sampling, the same distribution as torch.multinomial over
// softmax(l/T) (up to float rounding), in three passes instead of softmax, exponential noise for every entry and a
// division (multinomial's algorithm) plus the log-prob's gather and logsumexp.
#include "bridge.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>

#include <cmath>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include "simd_avx2.h"
#define TRL_PICK_KERNEL 1
#endif

namespace {

#ifdef TRL_PICK_KERNEL
/// e^x for x ≤ 0, 8 lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial (truncation
/// error r⁷/7! < 1.3e-7 relative, about one float ulp), times 2ⁿ built in the exponent bits. x is clamped at
/// −87.3 so 2ⁿ stays a normal float; e^−87.3 ≈ 1e−38 is nothing next to the maximum's own term, 1.
__attribute__((target("avx2,fma"))) inline __m256 exp_nonpositive(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);      // ln2 split in two parts so
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-06f), r);         // n·ln2 is exact in float
    __m256 p = _mm256_set1_ps(1.0f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

/// One row: the chosen id and its log-probability under softmax(l · inv_t). u < 0: greedy (argmax, first index of
/// the maximum); otherwise u ∈ [0, 1) picks the token by inverse CDF. False when the row holds NaN or no finite
/// maximum (libtorch then decides).
__attribute__((target("avx2,fma"))) bool choose_row(const float* l, int64_t v, float inv_t, double u, int64_t& id,
                                                    float& logprob) {
    const int64_t v8 = v & ~int64_t{7};
    __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256 nan = _mm256_setzero_ps();
    for (int64_t j = 0; j < v8; j += 8) {
        const __m256 x = _mm256_loadu_ps(l + j);
        vmax = _mm256_max_ps(vmax, x);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    if (_mm256_movemask_ps(nan) != 0) return false;
    float m = trl::horizontal_max(vmax);
    for (int64_t j = v8; j < v; ++j) {
        if (std::isnan(l[j])) return false;
        m = std::max(m, l[j]);
    }
    if (!std::isfinite(m)) return false;

    // Lane sums are flushed into a double every 512 elements: a plain float running sum over 151,936 terms would
    // lose ~1e-5 relative (libtorch's reduction sums pairwise for the same reason).
    const __m256 mv = _mm256_set1_ps(m), scale = _mm256_set1_ps(inv_t);
    const bool greedy = u < 0;
    double sum = 0;
    int64_t first = -1;
    int64_t j = 0;
    while (j + 16 <= v8) {
        __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
        const int64_t block_end = std::min(v8, j + 512);
        for (; j + 16 <= block_end; j += 16) {
            const __m256 a = _mm256_loadu_ps(l + j), b = _mm256_loadu_ps(l + j + 8);
            if (greedy && first < 0) {
                const int hits = _mm256_movemask_ps(_mm256_cmp_ps(a, mv, _CMP_EQ_OQ)) |
                                 (_mm256_movemask_ps(_mm256_cmp_ps(b, mv, _CMP_EQ_OQ)) << 8);
                if (hits != 0) first = j + __builtin_ctz(static_cast<unsigned>(hits));
            }
            sum0 = _mm256_add_ps(sum0, exp_nonpositive(_mm256_mul_ps(_mm256_sub_ps(a, mv), scale)));
            sum1 = _mm256_add_ps(sum1, exp_nonpositive(_mm256_mul_ps(_mm256_sub_ps(b, mv), scale)));
        }
        sum += trl::horizontal_sum(_mm256_add_ps(sum0, sum1));
    }
    for (; j < v; ++j) {
        if (greedy && first < 0 && l[j] == m) first = j;
        sum += std::exp((static_cast<double>(l[j]) - m) * inv_t);
    }
    if (greedy) {
        id = first;
        logprob = static_cast<float>(-std::log(sum));
        return true;
    }
    // Inverse CDF: the first token whose running mass exceeds u·S, accumulated in double, 8 entries at a time
    // with the same exponential as the sum. The sum and the walk add in different orders, so for u within ~1e-7 of
    // 1 the walk can end short of u·S: then the last token with real mass is taken. "Real" excludes the clamp's
    // floor (e^−87.3 ≈ 1e−38, which −∞ logits of masked tokens also get), so a masked token is never drawn.
    constexpr float kNegligible = 1e-30f;
    const double target = u * sum;
    double running = 0;
    int64_t chosen = -1, last_positive = -1;
    alignas(32) float e[8];
    for (j = 0; j < v8 && chosen < 0; j += 8) {
        _mm256_store_ps(e, exp_nonpositive(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(l + j), mv), scale)));
        for (int q = 0; q < 8; ++q) {
            if (e[q] > kNegligible) last_positive = j + q;
            running += e[q];
            if (running > target) { chosen = j + q; break; }
        }
    }
    for (; j < v && chosen < 0; ++j) {
        const double ej = std::exp((static_cast<double>(l[j]) - m) * inv_t);
        if (ej > kNegligible) last_positive = j;
        running += ej;
        if (running > target) chosen = j;
    }
    if (chosen < 0) chosen = last_positive;
    id = chosen;
    logprob = static_cast<float>((static_cast<double>(l[chosen]) - m) * inv_t - std::log(sum));
    return true;
}
#endif

/// The kernel over every row (u: null for greedy, else [R] float64 uniforms); false when any row needs libtorch.
bool choose_rows(const at::Tensor& l, double inv_t, const at::Tensor* u, at::Tensor& ids, at::Tensor& logprobs) {
#ifdef TRL_PICK_KERNEL
    if (l.scalar_type() != at::kFloat || !l.device().is_cpu() || l.size(1) == 0 || !trl::cpu_has_avx2_fma()) return false;
    const auto rows = l.size(0), v = l.size(1);
    auto lc = l.contiguous();
    auto uc = u != nullptr ? u->to(at::kDouble).contiguous() : at::Tensor();
    ids = at::empty({rows}, l.options().dtype(at::kLong));
    logprobs = at::empty({rows}, l.options());
    const float* lp = lc.data_ptr<float>();
    const double* up = u != nullptr ? uc.data_ptr<double>() : nullptr;
    int64_t* ip = ids.data_ptr<int64_t>();
    float* pp = logprobs.data_ptr<float>();
    std::atomic<bool> all_ok{true};
    at::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r)
            if (!choose_row(lp + r * v, v, static_cast<float>(inv_t), up != nullptr ? up[r] : -1.0, ip[r], pp[r]))
                all_ok = false;
    });
    return all_ok;
#else
    return false;
#endif
}

}  // namespace

/// logits [R, V] → *ids [R] (int64, argmax) and *logprobs [R] (float32, log softmax(logits)[argmax]). Returns 0, or
/// -1 with trl_last_error() set; the two outputs are new owned handles.
TRL_API int trl_model_greedy_pick(TrlTensor logits, TrlTensor* ids, TrlTensor* logprobs) {
    TRL_TRY
    const auto& l = *logits;
    TORCH_CHECK(l.dim() == 2, "logits must be [R, V], got ", l.sizes());
    at::NoGradGuard no_grad;
    at::Tensor picked, lp;
    if (!choose_rows(l, 1.0, nullptr, picked, lp)) {
        auto lf = l.to(at::kFloat);
        picked = lf.argmax(-1);
        lp = lf.gather(-1, picked.unsqueeze(-1)).squeeze(-1) - lf.logsumexp(-1);
    }
    *ids = trl::wrap(std::move(picked));
    *logprobs = trl::wrap(std::move(lp));
    return 0;
    TRL_CATCH_RET(-1)
}

/// logits [R, V], uniforms [R] in [0, 1) → *ids [R] (int64) drawn from softmax(logits · inv_temperature) by inverse
/// CDF, and *logprobs [R] (float32) of them under that distribution. Where the kernel does not apply, libtorch
/// does the same inverse-CDF draw (softmax, cumsum, searchsorted-style count) with the same uniforms. Returns 0, or
/// -1 with trl_last_error() set.
TRL_API int trl_model_sample_pick(TrlTensor logits, double inv_temperature, TrlTensor uniforms, TrlTensor* ids,
                                  TrlTensor* logprobs) {
    TRL_TRY
    const auto& l = *logits;
    TORCH_CHECK(l.dim() == 2, "logits must be [R, V], got ", l.sizes());
    TORCH_CHECK(uniforms->dim() == 1 && uniforms->size(0) == l.size(0), "uniforms must be [R] = [", l.size(0), "], got ",
                uniforms->sizes());
    TORCH_CHECK(inv_temperature > 0, "inverse temperature must be positive");
    at::NoGradGuard no_grad;
    at::Tensor picked, lp;
    if (!choose_rows(l, inv_temperature, uniforms, picked, lp)) {
        auto scaled = l.to(at::kDouble).mul(inv_temperature);
        auto logp = scaled.log_softmax(-1);
        auto cdf = logp.exp().cumsum(-1);                                          // [R,V]
        auto u = uniforms->to(at::kDouble).unsqueeze(-1);
        picked = cdf.le(u).sum(-1).clamp_max(l.size(1) - 1);                       // first index with cdf > u
        lp = logp.gather(-1, picked.unsqueeze(-1)).squeeze(-1).to(at::kFloat);
    }
    *ids = trl::wrap(std::move(picked));
    *logprobs = trl::wrap(std::move(lp));
    return 0;
    TRL_CATCH_RET(-1)
}
