// Model-area bridge op (owned by the model helper): the vocabulary projection of a FEW rows, as in a decode step.
//
// logits [R, V] = x [R, H] · Wᵀ with W the [V, H] lm_head weight and R ≤ 16 (one new token per sequence). This
// is a memory-bound product: W (151,936 × H floats, 545 MB at H = 896) is read once per step while the arithmetic
// is only 2·R·V·H. BLAS sgemm packs W into its own panel layout first, which on this shape costs about twice the
// time of just streaming W (measured: 136 ms of CPU for R = 8, H = 896 against 65 ms to read W once). The kernel
// below streams each row of W once and keeps the R rows of x in L1: per 8 elements of a W row it issues one load of
// W and R fused multiply-adds into R accumulators, then sums the 8 lanes of each accumulator. It needs AVX2 + FMA
// (checked at run time); other CPUs, dtypes, devices and larger R use at::mm (W·xᵀ, transposed back).
// Results equal the GEMM's up to float summation order.
#include "bridge.h"

#include <ATen/Parallel.h>

#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include "simd_avx2.h"
#define TRL_ROWS_KERNEL 1
#endif

namespace {

constexpr int64_t kMaxRows = 16;   // more rows than this: the GEMM's reuse of W wins
constexpr int64_t kPrefetchRows = 4;

#ifdef TRL_ROWS_KERNEL
/// out[r·v + j] = Σ_k w[j·h + k] · x[r·h + k] (+ bias[j]) for j in [j0, j1) and r < R.
template <int R>
__attribute__((target("avx2,fma"))) void project_rows(const float* w, const float* x, const float* bias, float* out,
                                                     int64_t v, int64_t h, int64_t j0, int64_t j1) {
    const int64_t h8 = h & ~int64_t{7};
    for (int64_t j = j0; j < j1; ++j) {
        const float* wj = w + j * h;
        __m256 acc[R];
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
        // The weight row kPrefetchRows ahead is requested now: the hardware prefetcher alone leaves this loop waiting
        // on memory (measured, 151,936 × 896, 8 rows: 45 → 37 ms; the plain read runs at ~35 GB/s). Prefetching
        // past the end of W is harmless: prefetch never faults.
        const float* ahead = wj + kPrefetchRows * h;
        for (int64_t k = 0; k < h8; k += 8) {
            _mm_prefetch(reinterpret_cast<const char*>(ahead + k), _MM_HINT_T0);
            const __m256 wv = _mm256_loadu_ps(wj + k);
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) acc[r] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + r * h + k), acc[r]);
        }
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            float s = trl::horizontal_sum(acc[r]);
            for (int64_t k = h8; k < h; ++k) s += wj[k] * x[r * h + k];
            out[r * v + j] = bias != nullptr ? s + bias[j] : s;
        }
    }
}

using RowsKernel = void (*)(const float*, const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t);

template <int... Rs>
RowsKernel kernel_for(int64_t rows, std::integer_sequence<int, Rs...>) {
    RowsKernel table[] = {nullptr, &project_rows<Rs + 1>...};
    return table[rows];
}

#endif

at::Tensor project_with_gemm(const at::Tensor& x, const at::Tensor& w, const at::Tensor* bias) {
    // (W·xᵀ)ᵀ: with R ≪ V the GEMM streams W without repacking it, faster than x·Wᵀ on CPU.
    auto out = at::mm(w, x.t()).t().contiguous();
    return bias != nullptr ? out + *bias : out;
}

}  // namespace

/// x [R, H], weight [V, H], bias [V] or null (same dtype) → [R, V] = x·Wᵀ (+ bias) in that dtype. Returns a new
/// owned handle, or null with trl_last_error() set.
TRL_API TrlTensor trl_model_project_rows(TrlTensor x, TrlTensor weight, TrlTensor bias) {
    TRL_TRY
    TORCH_CHECK(x->dim() == 2, "rows must be [R, H], got ", x->sizes());
    TORCH_CHECK(weight->dim() == 2 && weight->size(1) == x->size(1),
                "weight must be [V, H] with H = ", x->size(1), ", got ", weight->sizes());
    TORCH_CHECK(x->scalar_type() == weight->scalar_type(), "rows and weight dtypes differ: ", x->scalar_type(), " vs ",
                weight->scalar_type());
    TORCH_CHECK(bias == nullptr || (bias->dim() == 1 && bias->size(0) == weight->size(0) &&
                                    bias->scalar_type() == weight->scalar_type()),
                "bias must be [V] = [", weight->size(0), "] of the weight's dtype, got ", bias ? bias->sizes() : at::IntArrayRef{});
    const int64_t r = x->size(0), v = weight->size(0), h = x->size(1);
#ifdef TRL_ROWS_KERNEL
    const bool kernel = r >= 1 && r <= kMaxRows && x->scalar_type() == at::kFloat && x->device().is_cpu() &&
                        weight->device().is_cpu() && weight->is_contiguous() && trl::cpu_has_avx2_fma() &&
                        (bias == nullptr || (bias->device().is_cpu() && bias->is_contiguous())) &&
                        !(at::GradMode::is_enabled() && (x->requires_grad() || weight->requires_grad() ||
                                                         (bias != nullptr && bias->requires_grad())));
    if (kernel) {
        auto xs = x->contiguous();
        auto out = at::empty({r, v}, x->options());
        const float* wp = weight->data_ptr<float>();
        const float* xp = xs.data_ptr<float>();
        const float* bp = bias != nullptr ? bias->data_ptr<float>() : nullptr;
        float* op = out.data_ptr<float>();
        auto fn = kernel_for(r, std::make_integer_sequence<int, kMaxRows>{});
        at::parallel_for(0, v, 1024, [&](int64_t j0, int64_t j1) { fn(wp, xp, bp, op, v, h, j0, j1); });
        return trl::wrap(std::move(out));
    }
#endif
    return trl::wrap(project_with_gemm(*x, *weight, bias));
    TRL_CATCH_RET(nullptr)
}
