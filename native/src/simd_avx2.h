// Lane reductions shared by the bridge's AVX2 kernels (model_rows.cpp, model_token_pick.cpp). Include only where
// <immintrin.h> is available (x86-64 GCC/Clang); the functions carry their own target attribute.
#pragma once

#include <immintrin.h>

namespace trl {

/// Σ of the 8 lanes, in the order (lo + hi), then pairs, then the last two.
__attribute__((target("avx2,fma"))) inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// max of the 8 lanes.
__attribute__((target("avx2,fma"))) inline float horizontal_max(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

}  // namespace trl
