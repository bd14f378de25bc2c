// Small element-wise arithmetic without TensorIterator (see small_ops.cpp for when it applies and why).
#pragma once

#include <ATen/ATen.h>

namespace trl {

/// x op y for the binary codes Add, Sub, Mul, Div when the fast path applies; an undefined tensor otherwise.
at::Tensor try_small_binary(int op, const at::Tensor& x, const at::Tensor& y, double alpha);

/// x op s for the scalar codes Add, Sub, Mul, Div when the fast path applies; an undefined tensor otherwise.
at::Tensor try_small_scalar(int op, const at::Tensor& x, const at::Scalar& s);

}  // namespace trl
