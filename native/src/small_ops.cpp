// Small element-wise arithmetic without TensorIterator.
//
// For a 16-element add, libtorch spends ~0.8 µs: the dispatcher, then TensorIterator's set-up (shape,
// type-promotion and memory-overlap analysis, output allocation through the dispatcher again), then a loop of a
// few nanoseconds. Allocating the result directly and running the loop costs ~0.15 µs. RL math is full of such
// calls on per-sample tensors with no grad (rewards, advantages, GAE's backward recursion over time steps), so
// the bridge takes this path when the answer is trivially the same as libtorch's:
//   * CPU tensors, contiguous, same shape, same dtype (no broadcasting, no promotion, no overlap questions);
//   * no operand requires grad (nothing for autograd to record) and no negation bit (a lazy view);
//   * float32 / float64 (add, sub, mul, div), int64 / int32 (add, sub, mul), with alpha = 1;
//   * at most at::internal::GRAIN_SIZE elements, the size below which libtorch runs the loop on one thread too.
// Each element is the same single IEEE operation libtorch's kernel performs (a + b, a − b, a · b, a / b; with a
// scalar, the scalar is first rounded to the tensor's dtype, as libtorch's CPU kernels do), so results are
// bit-identical; tests check that against libtorch's own path. Anything else returns an undefined tensor and the
// caller goes through libtorch. TOOLRL_SMALL_OPS=0 in the environment turns the path off (for A/B measurements).
#include "small_ops.h"

#include "op_codes.h"

#include <ATen/EmptyTensor.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>

namespace trl {
namespace {

enum class Arith { Add, Sub, Mul, Div };

// arith_of reads binary and scalar codes alike, which agree on the four it takes.
static_assert(int{op::Binary::Add} == int{op::ScalarOp::Add} && int{op::Binary::Sub} == int{op::ScalarOp::Sub} &&
              int{op::Binary::Mul} == int{op::ScalarOp::Mul} && int{op::Binary::Div} == int{op::ScalarOp::Div});

bool arith_of(int op, Arith& out) {
    switch (op) {
        case op::Binary::Add: out = Arith::Add; return true;
        case op::Binary::Sub: out = Arith::Sub; return true;
        case op::Binary::Mul: out = Arith::Mul; return true;
        case op::Binary::Div: out = Arith::Div; return true;
        default: return false;
    }
}

/// Integer division promotes to float in libtorch (true division), so only floating types take Div here.
bool supported(at::ScalarType t, Arith op) {
    switch (t) {
        case at::kFloat:
        case at::kDouble: return true;
        case at::kLong:
        case at::kInt: return op != Arith::Div;
        default: return false;
    }
}

const bool kEnabled = [] {
    const char* v = std::getenv("TOOLRL_SMALL_OPS");
    return v == nullptr || std::string(v) != "0";
}();

bool small_plain_cpu(const at::Tensor& x) {
    const auto n = x.numel();
    return x.is_cpu() && n > 0 && n <= at::internal::GRAIN_SIZE && !x.requires_grad() && !x.is_neg() &&
           x.is_contiguous();
}

/// Integer arithmetic wraps around like libtorch's kernels; doing it on the unsigned type keeps it defined C++.
template <typename T, bool = std::is_integral_v<T>>
struct ExactType { using type = T; };
template <typename T>
struct ExactType<T, true> { using type = std::make_unsigned_t<T>; };
template <typename T>
using Exact = typename ExactType<T>::type;

template <typename T, typename Rhs>
void run(Arith op, const T* __restrict a, Rhs rhs, T* __restrict out, int64_t n) {
    // rhs(i) is either b[i] or a scalar already converted to T.
    using U = Exact<T>;
    switch (op) {
        case Arith::Add: for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(U(a[i]) + U(rhs(i))); break;
        case Arith::Sub: for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(U(a[i]) - U(rhs(i))); break;
        case Arith::Mul: for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(U(a[i]) * U(rhs(i))); break;
        case Arith::Div: for (int64_t i = 0; i < n; ++i) out[i] = a[i] / rhs(i); break;   // floating types only
    }
}

at::Tensor empty_like_contiguous(const at::Tensor& x) {
    return at::detail::empty_cpu(x.sizes(), x.scalar_type(), /*pin_memory=*/false, c10::nullopt);
}

template <typename T>
at::Tensor tensor_tensor(Arith op, const at::Tensor& x, const at::Tensor& y) {
    auto out = empty_like_contiguous(x);
    const T* b = y.data_ptr<T>();
    run<T>(op, x.data_ptr<T>(), [b](int64_t i) { return b[i]; }, out.data_ptr<T>(), x.numel());
    return out;
}

template <typename T>
at::Tensor tensor_scalar(Arith op, const at::Tensor& x, T s) {
    auto out = empty_like_contiguous(x);
    run<T>(op, x.data_ptr<T>(), [s](int64_t) { return s; }, out.data_ptr<T>(), x.numel());
    return out;
}

}  // namespace

at::Tensor try_small_binary(int op, const at::Tensor& x, const at::Tensor& y, double alpha) {
    Arith arith;
    if (!kEnabled || alpha != 1.0 || !arith_of(op, arith) || !supported(x.scalar_type(), arith)) return {};
    if (y.scalar_type() != x.scalar_type() || !small_plain_cpu(x) || !small_plain_cpu(y) || x.sizes() != y.sizes()) return {};
    switch (x.scalar_type()) {
        case at::kFloat: return tensor_tensor<float>(arith, x, y);
        case at::kDouble: return tensor_tensor<double>(arith, x, y);
        case at::kLong: return tensor_tensor<int64_t>(arith, x, y);
        case at::kInt: return tensor_tensor<int32_t>(arith, x, y);
        default: return {};
    }
}

at::Tensor try_small_scalar(int op, const at::Tensor& x, const at::Scalar& s) {
    Arith arith;
    if (!kEnabled || !arith_of(op, arith) || !supported(x.scalar_type(), arith) || !small_plain_cpu(x)) return {};
    switch (x.scalar_type()) {
        case at::kFloat: {
            // Scalars beyond float's range are left to libtorch, whichever way it treats them.
            const auto v = s.to<double>();
            if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) return {};
            return tensor_scalar<float>(arith, x, static_cast<float>(v));
        }
        case at::kDouble: return tensor_scalar<double>(arith, x, s.to<double>());
        // A non-integral scalar promotes an integer tensor to float in libtorch: leave that to libtorch.
        case at::kLong: return s.isIntegral(false) ? tensor_scalar<int64_t>(arith, x, s.to<int64_t>()) : at::Tensor();
        case at::kInt: {
            if (!s.isIntegral(false)) return {};
            const auto v = s.to<int64_t>();
            if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) return {};
            return tensor_scalar<int32_t>(arith, x, static_cast<int32_t>(v));
        }
        default: return {};
    }
}

}  // namespace trl
