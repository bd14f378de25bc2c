// Bridge core: errors, handle lifetime, metadata, data transfer, factories, generators, autograd, threads.
#include "bridge.h"
#include "op_codes.h"

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>
#include <c10/core/InferenceMode.h>
#include <cstring>

namespace trl {

std::atomic<int64_t> live_tensors{0};
static thread_local std::string last_error;

void set_error(const char* message) { last_error = message ? message : "unknown error"; }

// The intra-op thread count every bridge thread uses: 0 until first read or set (then libtorch's default), and a
// generation that tells each thread whether its own OpenMP count is stale.
static std::atomic<int> intra_op_threads{0};
static std::atomic<int> intra_op_generation{1};
static thread_local int intra_op_generation_seen = 0;

static int process_intra_op_threads() {
    int n = intra_op_threads.load(std::memory_order_acquire);
    if (n > 0) return n;
    int fallback = static_cast<int>(at::intraop_default_num_threads());
    intra_op_threads.compare_exchange_strong(n, fallback < 1 ? 1 : fallback, std::memory_order_acq_rel);
    return intra_op_threads.load(std::memory_order_acquire);
}

void sync_intra_op_threads() {
    int generation = intra_op_generation.load(std::memory_order_acquire);
    if (intra_op_generation_seen == generation) return;
    at::set_num_threads(process_intra_op_threads());
    intra_op_generation_seen = generation;
}

static void set_process_intra_op_threads(int n) {
    TORCH_CHECK(n > 0, "the intra-op thread count must be at least 1, got ", n);
    intra_op_threads.store(n, std::memory_order_release);
    intra_op_generation.fetch_add(1, std::memory_order_acq_rel);
    sync_intra_op_threads();
}
void clear_error() { last_error.clear(); }

static const at::ScalarType kScalarTypes[] = {
    at::kFloat, at::kDouble, at::kBFloat16, at::kHalf, at::kLong, at::kInt, at::kByte, at::kBool};

at::ScalarType to_scalar_type(int dtype) {
    if (dtype < 0 || dtype >= 8) throw std::invalid_argument("unknown dtype code " + std::to_string(dtype));
    return kScalarTypes[dtype];
}

int from_scalar_type(at::ScalarType t) {
    for (int i = 0; i < 8; i++)
        if (kScalarTypes[i] == t) return i;
    return -1;
}

at::Device to_device(int type, int index) {
    if (type == 0) return at::Device(at::kCPU);
    if (type == 1) {
        if (!at::hasCUDA())
            throw std::runtime_error(
                "CUDA was requested but this libtorch has no CUDA support (CPU-only build, or no GPU/driver). "
                "Use device 'cpu', or rebuild the bridge against a CUDA libtorch by setting Torch_DIR.");
        return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    throw std::invalid_argument("unknown device type code " + std::to_string(type));
}

at::Scalar to_scalar(const at::Tensor& like, double v) {
    if (at::isIntegralType(like.scalar_type(), /*includeBool=*/true) && v == static_cast<double>(static_cast<int64_t>(v)))
        return at::Scalar(static_cast<int64_t>(v));
    return at::Scalar(v);
}

at::IntArrayRef dims(const int64_t* p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

std::vector<at::Tensor> tensor_list(const TrlTensor* p, int n) {
    std::vector<at::Tensor> v;
    v.reserve(n);
    for (int i = 0; i < n; i++) v.push_back(*p[i]);
    return v;
}

}  // namespace trl

using namespace trl;

static at::TensorOptions options(int dtype, int dev_type, int dev_index) {
    return at::TensorOptions().dtype(to_scalar_type(dtype)).device(to_device(dev_type, dev_index));
}

// ---- errors and diagnostics -------------------------------------------------------------------------------

TRL_API const char* trl_last_error() { return last_error.c_str(); }
TRL_API int64_t trl_live_tensors() { return live_tensors.load(std::memory_order_relaxed); }

// ---- lifetime and metadata ----------------------------------------------------------------------------------

TRL_API void trl_tensor_free(TrlTensor t) {
    if (t == nullptr) return;
    live_tensors.fetch_sub(1, std::memory_order_relaxed);
    delete t;
}

TRL_API int64_t trl_tensor_dim(TrlTensor t) { return t->dim(); }
TRL_API int64_t trl_tensor_numel(TrlTensor t) { return t->numel(); }
TRL_API int64_t trl_tensor_size(TrlTensor t, int64_t dim) {
    TRL_TRY return t->size(dim); TRL_CATCH_RET(-1)
}
TRL_API void trl_tensor_sizes(TrlTensor t, int64_t* out) {
    auto s = t->sizes();
    for (size_t i = 0; i < s.size(); i++) out[i] = s[i];
}
TRL_API void trl_tensor_strides(TrlTensor t, int64_t* out) {
    auto s = t->strides();
    for (size_t i = 0; i < s.size(); i++) out[i] = s[i];
}
TRL_API int trl_tensor_dtype(TrlTensor t) { return from_scalar_type(t->scalar_type()); }
TRL_API int trl_tensor_device_type(TrlTensor t) { return t->device().is_cuda() ? 1 : (t->device().is_cpu() ? 0 : -1); }
TRL_API int trl_tensor_device_index(TrlTensor t) { return t->device().index(); }
TRL_API int trl_tensor_is_contiguous(TrlTensor t) { return t->is_contiguous() ? 1 : 0; }
TRL_API void* trl_tensor_data_ptr(TrlTensor t) { return t->data_ptr(); }
TRL_API int trl_tensor_same_storage(TrlTensor a, TrlTensor b) {
    return a->storage().is_alias_of(b->storage()) ? 1 : 0;
}

TRL_API int trl_tensor_to_string(TrlTensor t, TrlAllocator alloc) {
    TRL_TRY
    std::ostringstream s;
    s << *t;
    auto text = s.str();
    auto* buf = static_cast<char*>(alloc(static_cast<int64_t>(text.size())));
    std::memcpy(buf, text.data(), text.size());
    return static_cast<int>(text.size());
    TRL_CATCH_RET(-1)
}

// ---- data in / out ------------------------------------------------------------------------------------------

/// Copies `nbytes` from host memory into a new tensor (then moves it to the device).
TRL_API TrlTensor trl_tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape, int ndim, int dtype,
                                       int dev_type, int dev_index, int requires_grad) {
    TRL_TRY
    auto t = at::empty(dims(shape, ndim), at::TensorOptions().dtype(to_scalar_type(dtype)));
    auto expected = static_cast<int64_t>(t.nbytes());
    if (expected != nbytes)
        throw std::invalid_argument("data holds " + std::to_string(nbytes) + " bytes but shape " +
                                    c10::str(t.sizes()) + " needs " + std::to_string(expected));
    if (nbytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
    auto dev = to_device(dev_type, dev_index);
    if (!dev.is_cpu()) t = t.to(dev);
    if (requires_grad) t.set_requires_grad(true);
    return wrap(std::move(t));
    TRL_CATCH_RET(nullptr)
}

/// Copies the tensor's elements (row-major) to host memory of exactly `nbytes` bytes.
TRL_API int trl_tensor_copy_to(TrlTensor t, void* dst, int64_t nbytes) {
    TRL_TRY
    auto c = t->detach().to(at::kCPU).contiguous();
    if (static_cast<int64_t>(c.nbytes()) != nbytes)
        throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes but the tensor has " +
                                    std::to_string(c.nbytes()));
    if (nbytes > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(nbytes));
    return 0;
    TRL_CATCH_RET(-1)
}

TRL_API int trl_tensor_item(TrlTensor t, double* out) {
    TRL_TRY *out = t->item<double>(); return 0; TRL_CATCH_RET(-1)
}
TRL_API int trl_tensor_item_long(TrlTensor t, int64_t* out) {
    TRL_TRY *out = t->item<int64_t>(); return 0; TRL_CATCH_RET(-1)
}

// ---- factories ----------------------------------------------------------------------------------------------

/// kind: a FillKind (op_codes.h); value is Full's.
TRL_API TrlTensor trl_full(const int64_t* shape, int ndim, int kind, double value, int dtype, int dev_type,
                           int dev_index, int requires_grad) {
    TRL_TRY
    auto opts = options(dtype, dev_type, dev_index);
    at::Tensor t;
    switch (kind) {
        case op::FillKind::Zeros: t = at::zeros(dims(shape, ndim), opts); break;
        case op::FillKind::Ones: t = at::ones(dims(shape, ndim), opts); break;
        case op::FillKind::Full: t = at::full(dims(shape, ndim), value, opts); break;
        case op::FillKind::Empty: t = at::empty(dims(shape, ndim), opts); break;
        default: throw std::invalid_argument("unknown fill kind " + std::to_string(kind));
    }
    if (requires_grad) t.set_requires_grad(true);
    return wrap(std::move(t));
    TRL_CATCH_RET(nullptr)
}

/// kind as trl_full; the result has `like`'s shape, and its dtype/device unless dtype >= 0 is given.
TRL_API TrlTensor trl_full_like(TrlTensor like, int kind, double value, int dtype) {
    TRL_TRY
    auto opts = like->options().requires_grad(false);
    if (dtype >= 0) opts = opts.dtype(to_scalar_type(dtype));
    switch (kind) {
        case op::FillKind::Zeros: return wrap(at::zeros_like(*like, opts));
        case op::FillKind::Ones: return wrap(at::ones_like(*like, opts));
        case op::FillKind::Full: return wrap(at::full_like(*like, value, opts));
        case op::FillKind::Empty: return wrap(at::empty_like(*like, opts));
        default: throw std::invalid_argument("unknown fill kind " + std::to_string(kind));
    }
    TRL_CATCH_RET(nullptr)
}

TRL_API TrlTensor trl_arange(double start, double end, double step, int dtype, int dev_type, int dev_index) {
    TRL_TENSOR(at::arange(start, end, step, options(dtype, dev_type, dev_index)))
}

TRL_API TrlTensor trl_linspace(double start, double end, int64_t steps, int dtype, int dev_type, int dev_index) {
    TRL_TENSOR(at::linspace(start, end, steps, options(dtype, dev_type, dev_index)))
}

TRL_API TrlTensor trl_eye(int64_t n, int dtype, int dev_type, int dev_index) {
    TRL_TENSOR(at::eye(n, options(dtype, dev_type, dev_index)))
}

static c10::optional<at::Generator> gen_opt(TrlGenerator g) {
    if (g == nullptr) return c10::nullopt;
    return *g;
}

/// kind: a RandomKind (op_codes.h): randn (normal 0,1), rand (uniform [0,1)), randint [low, high).
TRL_API TrlTensor trl_random(const int64_t* shape, int ndim, int kind, int64_t low, int64_t high, TrlGenerator g,
                             int dtype, int dev_type, int dev_index) {
    TRL_TRY
    auto opts = options(dtype, dev_type, dev_index);
    switch (kind) {
        case op::RandomKind::Normal: return wrap(at::randn(dims(shape, ndim), gen_opt(g), opts));
        case op::RandomKind::Uniform: return wrap(at::rand(dims(shape, ndim), gen_opt(g), opts));
        case op::RandomKind::Integer: return wrap(at::randint(low, high, dims(shape, ndim), gen_opt(g), opts));
        default: throw std::invalid_argument("unknown random kind " + std::to_string(kind));
    }
    TRL_CATCH_RET(nullptr)
}

TRL_API TrlTensor trl_randperm(int64_t n, TrlGenerator g, int dev_type, int dev_index) {
    TRL_TENSOR(at::randperm(n, gen_opt(g), options(4, dev_type, dev_index)))
}

TRL_API TrlTensor trl_multinomial(TrlTensor probs, int64_t n, int replacement, TrlGenerator g) {
    TRL_TENSOR(at::multinomial(*probs, n, replacement != 0, gen_opt(g)))
}

/// In-place fills, kind a RandomFillKind (op_codes.h): normal_(a, b) (mean, std), uniform_(a, b), bernoulli_(a)
/// (probability).
TRL_API int trl_random_(TrlTensor t, int kind, double a, double b, TrlGenerator g) {
    TRL_STATUS(
        switch (kind) {
            case op::RandomFillKind::Normal: t->normal_(a, b, gen_opt(g)); break;
            case op::RandomFillKind::Uniform: t->uniform_(a, b, gen_opt(g)); break;
            case op::RandomFillKind::Bernoulli: t->bernoulli_(a, gen_opt(g)); break;
            default: throw std::invalid_argument("unknown random fill kind " + std::to_string(kind));
        })
}

// ---- generators ---------------------------------------------------------------------------------------------

/// A new generator for the device: a clone of the device's default generator, re-seeded (works for CPU and
/// CUDA without naming a backend-specific generator class).
TRL_API TrlGenerator trl_generator_new(int64_t seed, int dev_type, int dev_index) {
    TRL_TRY
    auto dev = to_device(dev_type, dev_index);
    auto def = at::globalContext().defaultGenerator(dev);  // shares the impl
    at::Generator g;
    {
        std::lock_guard<std::mutex> lock(def.mutex());
        g = def.clone();
    }
    g.set_current_seed(static_cast<uint64_t>(seed));
    return new at::Generator(std::move(g));
    TRL_CATCH_RET(nullptr)
}

TRL_API void trl_generator_free(TrlGenerator g) { delete g; }

TRL_API int64_t trl_generator_seed(TrlGenerator g) { return static_cast<int64_t>(g->current_seed()); }

TRL_API int trl_generator_set_seed(TrlGenerator g, int64_t seed) {
    TRL_STATUS(std::lock_guard<std::mutex> lock(g->mutex()); g->set_current_seed(static_cast<uint64_t>(seed)))
}

TRL_API TrlTensor trl_generator_get_state(TrlGenerator g) {
    TRL_TRY
    std::lock_guard<std::mutex> lock(g->mutex());
    return wrap(g->get_state());
    TRL_CATCH_RET(nullptr)
}

TRL_API int trl_generator_set_state(TrlGenerator g, TrlTensor state) {
    TRL_STATUS(std::lock_guard<std::mutex> lock(g->mutex()); g->set_state(*state))
}

/// Seeds the default CPU generator and every CUDA device's default generator (like torch.manual_seed).
TRL_API int trl_manual_seed(int64_t seed) { TRL_STATUS(at::manual_seed(static_cast<uint64_t>(seed))) }

// ---- runtime ------------------------------------------------------------------------------------------------

/// The calling thread's count after it took the process-wide one, so a test can see that a thread follows.
TRL_API int trl_get_num_threads() { TRL_TRY return at::get_num_threads(); TRL_CATCH_RET(-1) }
/// Sets the count for every thread: this one now, every other one on its next bridge call.
TRL_API int trl_set_num_threads(int n) { TRL_STATUS(set_process_intra_op_threads(n)) }
TRL_API int trl_cuda_is_available() { return at::hasCUDA() ? 1 : 0; }
TRL_API int trl_cuda_device_count() {
    TRL_TRY return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().getNumGPUs()) : 0; TRL_CATCH_RET(-1)
}
TRL_API int trl_torch_version(TrlAllocator alloc) {
    std::string v = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                    std::to_string(TORCH_VERSION_PATCH);
    auto* buf = static_cast<char*>(alloc(static_cast<int64_t>(v.size())));
    std::memcpy(buf, v.data(), v.size());
    return static_cast<int>(v.size());
}

// ---- autograd -----------------------------------------------------------------------------------------------

TRL_API int trl_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }
TRL_API void trl_set_grad_enabled(int on) { at::GradMode::set_enabled(on != 0); }

TRL_API int trl_tensor_requires_grad(TrlTensor t) { return t->requires_grad() ? 1 : 0; }
TRL_API int trl_tensor_set_requires_grad(TrlTensor t, int on) { TRL_STATUS(t->set_requires_grad(on != 0)) }
TRL_API int trl_tensor_is_leaf(TrlTensor t) { return t->is_leaf() ? 1 : 0; }

/// The accumulated gradient, or nullptr with no error when there is none yet.
TRL_API TrlTensor trl_tensor_grad(TrlTensor t) {
    TRL_TRY
    const auto& g = t->grad();
    if (!g.defined()) { trl::clear_error(); return nullptr; }
    return wrap(at::Tensor(g));
    TRL_CATCH_RET(nullptr)
}

TRL_API int trl_tensor_set_grad(TrlTensor t, TrlTensor g) {
    TRL_STATUS(if (g == nullptr) t->mutable_grad().reset(); else t->mutable_grad() = *g)
}

/// set_to_none: drop the gradient (PyTorch 2's default); otherwise zero it in place.
TRL_API int trl_tensor_zero_grad(TrlTensor t, int set_to_none) {
    TRL_TRY
    auto& g = t->mutable_grad();
    if (g.defined()) {
        if (set_to_none) g.reset();
        else { g = g.detach(); g.zero_(); }
    }
    return 0;
    TRL_CATCH_RET(-1)
}

TRL_API int trl_tensor_backward(TrlTensor t, TrlTensor gradient, int retain_graph) {
    TRL_STATUS(t->backward(gradient ? *gradient : at::Tensor(), c10::optional<bool>(retain_graph != 0), false))
}

TRL_API int trl_tensor_retain_grad(TrlTensor t) { TRL_STATUS(t->retain_grad()) }

/// Replaces the tensor's data (and dtype/device) keeping its identity and autograd leaf status: what
/// Module.To uses (PyTorch's `param.data = new`).
TRL_API int trl_tensor_set_data(TrlTensor t, TrlTensor src) { TRL_STATUS(t->set_data(*src)) }

/// Enters inference mode on this thread (c10::InferenceMode: no autograd bookkeeping at all, cheaper than
/// no-grad); the returned guard must be released on the same thread, innermost first.
TRL_API void* trl_inference_mode_enter() {
    TRL_TRY return new c10::InferenceMode(true); TRL_CATCH_RET(nullptr)
}
TRL_API void trl_inference_mode_exit(void* guard) { delete static_cast<c10::InferenceMode*>(guard); }
TRL_API int trl_is_inference_mode() { return c10::InferenceMode::is_enabled() ? 1 : 0; }
TRL_API int trl_tensor_is_inference(TrlTensor t) { return t->is_inference() ? 1 : 0; }
