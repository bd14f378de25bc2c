// Shared definitions of the ToolRL libtorch bridge.
//
// Conventions (mirrored by src/ToolRL.Torch/Native/NativeMethods.cs):
// * A tensor handle is a heap-allocated at::Tensor (one reference on the TensorImpl). Every function that
//   returns a handle gives the caller ownership; trl_tensor_free releases it.
// * Functions returning a handle return nullptr on error; functions returning int return 0 on success and
//   -1 on error. The error text is kept per thread and read with trl_last_error().
// * Only ATen APIs present in both libtorch 1.13 and 2.x are used, so the bridge also builds against a
//   CUDA libtorch 2.x.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Optional.h>
#include <atomic>
#include <cstdint>
#include <string>

#define TRL_API extern "C" __attribute__((visibility("default")))

typedef at::Tensor* TrlTensor;
typedef at::Generator* TrlGenerator;
/// Allocator callback for results of unknown length: returns a buffer of at least `bytes` bytes that stays
/// valid until the callee returns (the managed side hands out a pinned array).
typedef void* (*TrlAllocator)(int64_t bytes);

namespace trl {

extern std::atomic<int64_t> live_tensors;
void set_error(const char* message);
void clear_error();
/// Applies the process-wide intra-op thread count to the calling thread when it has not seen the latest one.
/// Why: OpenMP keeps the thread count per OS thread (omp_set_num_threads reaches only its caller), and libtorch
/// copies its global count into a thread once, on the thread's first parallel op. .NET runs awaited work on any
/// pool thread, so without this a thread that started before a change, or one whose first op is a BLAS call,
/// computes with another count, and reductions split by thread count sum in another order.
void sync_intra_op_threads();

/// Wraps a result in a new owned handle (undefined tensors become nullptr with no error set).
inline TrlTensor wrap(at::Tensor t) {
    if (!t.defined()) return nullptr;
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    return new at::Tensor(std::move(t));
}

#if defined(__x86_64__) && defined(__GNUC__)
/// Whether this CPU runs the bridge's AVX2 + FMA kernels (checked once; they are compiled with target attributes, so
/// the library itself still loads on older x86-64 CPUs, which take libtorch's path).
inline bool cpu_has_avx2_fma() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
}
#endif

/// Managed DType order: Float32, Float64, BFloat16, Float16, Int64, Int32, UInt8, Bool.
at::ScalarType to_scalar_type(int dtype);
int from_scalar_type(at::ScalarType t);
/// Device type codes: 0 = cpu, 1 = cuda.
at::Device to_device(int type, int index);
/// A double from C# as an ATen scalar: integral values stay integral so that `int64 tensor + 1` stays int64,
/// as in Python.
at::Scalar to_scalar(const at::Tensor& like, double v);
at::IntArrayRef dims(const int64_t* p, int n);
std::vector<at::Tensor> tensor_list(const TrlTensor* p, int n);

/// Enters libtorch's dispatch BELOW the autograd layer for one element-wise, out-of-place op when no operand
/// requires grad. The autograd kernel would then only re-dispatch (no graph node, and an out-of-place result
/// has no view or version-counter bookkeeping), so skipping it gives the same tensor for ~9% fewer instructions
/// per small op (callgrind: 5,250 instead of 5,750 for a 16-element add). Never use it for view or in-place
/// ops: their ADInplaceOrView kernel does real work even without grad.
class BelowAutogradUnlessGrad {
  public:
    explicit BelowAutogradUnlessGrad(bool any_requires_grad) {
        if (!any_requires_grad) guard_.emplace();
    }

  private:
    c10::optional<at::AutoDispatchBelowADInplaceOrView> guard_;
};

}  // namespace trl

// Error plumbing: every exported function body that computes runs inside one of these (which also gives the
// calling thread the process-wide thread count).
#define TRL_TRY try { trl::sync_intra_op_threads();
#define TRL_CATCH_RET(fail)                                                  \
    }                                                                        \
    catch (const c10::Error& e) { trl::set_error(e.what_without_backtrace()); return fail; } \
    catch (const std::exception& e) { trl::set_error(e.what()); return fail; } \
    catch (...) { trl::set_error("unknown native exception"); return fail; }

/// Body returning a tensor expression as a new handle (nullptr on error).
#define TRL_TENSOR(...) TRL_TRY return trl::wrap(__VA_ARGS__); TRL_CATCH_RET(nullptr)
/// Body running statements, returning 0 (or -1 on error).
#define TRL_STATUS(...) TRL_TRY __VA_ARGS__; return 0; TRL_CATCH_RET(-1)
