// Collective communication over libtorch's c10d: a TCPStore rendezvous and a process group (gloo on CPU; NCCL when
// the bridge is built with -DTOOLRL_WITH_NCCL=ON against a CUDA libtorch). The same engine torch.distributed uses,
// so a ToolRL rank and a PyTorch rank agree on every algorithm (ring all-reduce, etc.).
//
// Only API present in both libtorch 1.13 and 2.x is used. The one difference handled here: the concrete process
// groups derive from c10d::ProcessGroup in 1.x and from c10d::Backend in 2.x; both declare the collectives used
// below with the same signatures, so the group is held through that base.
//
// Errors: every collective waits for its work with the group's timeout; gloo reports a dead peer ("Connection
// closed by peer") or a timeout as an exception, which becomes the bridge's error text (a TorchException in C#).
//
// Deadlines: joining (the TCPStore rendezvous and gloo's pair connections) has its own timeout, so ranks that start
// far apart (a loaded machine, a slow node) still meet, while each collective keeps the short one. In libtorch 1.13
// gloo runs every collective on its context's timeout, which is the join timeout: a collective that times out in
// Work::wait may still be running inside gloo. A group that saw a failure is therefore never destroyed:
// ~ProcessGroupGloo joins its worker threads with no deadline, and one still inside gloo, waiting on a stalled peer,
// would hold the process long past the collective's timeout. Such a group is unusable anyway; the process is ending.
#include "bridge.h"

#include <torch/version.h>

#ifdef TRL_WITH_DISTRIBUTED
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef TRL_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

namespace {

#if TORCH_VERSION_MAJOR >= 2
using GroupBase = c10d::Backend;
#else
using GroupBase = c10d::ProcessGroup;
#endif

struct Store {
    c10::intrusive_ptr<c10d::TCPStore> store;
};

struct Group {
    c10::intrusive_ptr<GroupBase> impl;
    int rank;
    int size;
    std::chrono::milliseconds timeout;
    std::atomic<bool> failed{false};  // a collective failed: no more collectives, and the group is abandoned, not destroyed
};

std::string failed_on(const Group& g, const char* what) {
    return std::string(what) + " failed on rank " + std::to_string(g.rank) + " of " + std::to_string(g.size);
}

/// Refuses a collective on a group that already failed (its peers are out of step; gloo pairs collectives by order).
void check_usable(const Group& g, const char* what) {
    if (g.failed)
        throw std::runtime_error(failed_on(g, what) + ": an earlier collective of this group failed; the group is "
                                 "unusable: dispose it and end the process");
}

/// Waits for a collective, at most the group's timeout; a timeout or a peer's failure throws with the operation named
/// and marks the group failed.
void finish(Group& g, const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
        work->wait(g.timeout);
    } catch (const c10::Error& e) {
        g.failed = true;
        throw std::runtime_error(failed_on(g, what) + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        g.failed = true;
        throw std::runtime_error(failed_on(g, what) + ": " + e.what());
    }
}

/// Collectives read and write the tensor's memory directly: it must be dense and contiguous.
void check_dense(const at::Tensor& t, const char* what) {
    if (!t.is_contiguous())
        throw std::invalid_argument(std::string(what) + ": the tensor must be contiguous (call Contiguous() first)");
}

c10d::ReduceOp::RedOpType to_reduce_op(int op) {
    switch (op) {
        case 0: return c10d::ReduceOp::SUM;
        case 1: return c10d::ReduceOp::PRODUCT;
        case 2: return c10d::ReduceOp::MIN;
        case 3: return c10d::ReduceOp::MAX;
        default: throw std::invalid_argument("unknown reduce op code " + std::to_string(op));
    }
}

/// The gloo device every rank listens on: the interface GLOO_SOCKET_IFNAME names (as torch.distributed does), the
/// given address, or the address this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const char* address) {
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    if (address && *address) return c10d::ProcessGroupGloo::createDeviceForHostname(address);
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

typedef Store* TrlStore;
typedef Group* TrlGroup;

/// 1 when the bridge was built with c10d (gloo), 2 when NCCL is also built in, 0 without.
TRL_API int trl_dist_available() {
#ifdef TRL_WITH_NCCL
    return 2;
#else
    return 1;
#endif
}

/// A TCPStore client of host:port, or (is_server) the store itself listening on port (0 = a free port, see
/// trl_dist_store_port). Clients retry connecting until the timeout.
TRL_API TrlStore trl_dist_store_new(const char* host, int port, int is_server, int64_t timeout_ms) {
    TRL_TRY
    if (port < 0 || port > 65535) throw std::invalid_argument("port " + std::to_string(port) + " is outside 0..65535");
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(port);
    opts.isServer = is_server != 0;
    opts.waitWorkers = false;  // the process group's own rendezvous waits for every rank
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    return new Store{c10::make_intrusive<c10d::TCPStore>(std::string(host), opts)};
    TRL_CATCH_RET(nullptr)
}

TRL_API int trl_dist_store_port(TrlStore s) { return s->store->getPort(); }

TRL_API void trl_dist_store_free(TrlStore s) { delete s; }

/// A process group of `size` ranks meeting in the store; backend 0 = gloo, 1 = nccl. Blocks until every rank has
/// joined or join_timeout passes; each collective then waits at most timeout.
TRL_API TrlGroup trl_dist_group_new(TrlStore s, int rank, int size, int backend, int64_t timeout_ms,
                                    int64_t join_timeout_ms, const char* gloo_address) {
    TRL_TRY
    if (size < 1 || rank < 0 || rank >= size)
        throw std::invalid_argument("rank " + std::to_string(rank) + " is outside a world of size " + std::to_string(size));
    auto timeout = std::chrono::milliseconds(timeout_ms);
    auto join_timeout = std::chrono::milliseconds(std::max(join_timeout_ms, timeout_ms));
    c10::intrusive_ptr<GroupBase> impl;
    if (backend == 0) {
        // The context's timeout bounds the rendezvous (and, in 1.13, gloo's own wait inside each collective; the
        // bridge's Work::wait bounds the collective by `timeout`). 2.x passes each collective's timeout to gloo.
        auto options = c10d::ProcessGroupGloo::Options::create(join_timeout);
        options->devices.push_back(gloo_device(gloo_address));
        impl = c10::make_intrusive<c10d::ProcessGroupGloo>(s->store, rank, size, options);
    } else if (backend == 1) {
#ifdef TRL_WITH_NCCL
        auto options = c10d::ProcessGroupNCCL::Options::create();
        options->timeout = timeout;
        impl = c10::make_intrusive<c10d::ProcessGroupNCCL>(s->store, rank, size, options);
#else
        throw std::runtime_error(
            "backend nccl: this bridge was built without NCCL. Rebuild it against a CUDA libtorch with "
            "-p:NativeCMakeArgs=-DTOOLRL_WITH_NCCL=ON (see docs/distributed.md), or use backend gloo.");
#endif
    } else {
        throw std::invalid_argument("unknown backend code " + std::to_string(backend));
    }
    auto group = new Group();
    group->impl = impl;
    group->rank = rank;
    group->size = size;
    group->timeout = timeout;
    return group;
    TRL_CATCH_RET(nullptr)
}

/// Frees the group. A failed group's native process group is abandoned instead (see the deadlines note above): its
/// destructor would wait, with no deadline, for a worker thread that may still be inside gloo with a stalled peer.
TRL_API void trl_dist_group_free(TrlGroup g) {
    if (g->failed) (void)g->impl.release();  // leaked on purpose: the process is ending
    delete g;
}

/// In place: every rank's tensor becomes the reduction over all ranks.
TRL_API int trl_dist_all_reduce(TrlGroup g, TrlTensor t, int op) {
    TRL_TRY
    check_dense(*t, "all_reduce");
    check_usable(*g, "all_reduce");
    std::vector<at::Tensor> tensors{*t};
    c10d::AllreduceOptions opts;
    opts.reduceOp = to_reduce_op(op);
    opts.timeout = g->timeout;
    finish(*g, g->impl->allreduce(tensors, opts), "all_reduce");
    return 0;
    TRL_CATCH_RET(-1)
}

/// In place: every rank's tensor becomes root's.
TRL_API int trl_dist_broadcast(TrlGroup g, TrlTensor t, int root) {
    TRL_TRY
    check_dense(*t, "broadcast");
    check_usable(*g, "broadcast");
    if (root < 0 || root >= g->size)
        throw std::invalid_argument("broadcast: root " + std::to_string(root) + " is outside a world of size " +
                                    std::to_string(g->size));
    std::vector<at::Tensor> tensors{*t};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    opts.timeout = g->timeout;
    finish(*g, g->impl->broadcast(tensors, opts), "broadcast");
    return 0;
    TRL_CATCH_RET(-1)
}

/// A new tensor [size, ...t.shape]: row r is rank r's tensor (every rank passes the same shape and dtype).
TRL_API TrlTensor trl_dist_all_gather(TrlGroup g, TrlTensor t) {
    TRL_TRY
    check_dense(*t, "all_gather");
    check_usable(*g, "all_gather");
    std::vector<int64_t> shape{g->size};
    for (auto d : t->sizes()) shape.push_back(d);
    auto out = at::empty(shape, t->options());
    std::vector<std::vector<at::Tensor>> outputs(1);
    for (int r = 0; r < g->size; r++) outputs[0].push_back(out.select(0, r));
    std::vector<at::Tensor> inputs{*t};
    c10d::AllgatherOptions opts;
    opts.timeout = g->timeout;
    finish(*g, g->impl->allgather(outputs, inputs, opts), "all_gather");
    return trl::wrap(out);
    TRL_CATCH_RET(nullptr)
}

/// A new tensor: this rank's chunk (rows [rank*n/size, (rank+1)*n/size) of dim 0) of the reduction over all ranks.
/// gloo has no reduce_scatter in libtorch 1.13, so it all-reduces a copy and keeps the chunk (the same values, at
/// all-reduce's traffic); NCCL runs its native reduce-scatter.
TRL_API TrlTensor trl_dist_reduce_scatter(TrlGroup g, TrlTensor t, int op) {
    TRL_TRY
    check_dense(*t, "reduce_scatter");
    check_usable(*g, "reduce_scatter");
    if (t->dim() == 0 || t->size(0) % g->size != 0)
        throw std::invalid_argument("reduce_scatter: dim 0 (" + std::to_string(t->dim() ? t->size(0) : 0) +
                                    ") must be a multiple of the world size " + std::to_string(g->size));
    const int64_t chunk = t->size(0) / g->size;
    if (g->impl->getBackendName() == "nccl") {
        auto in = *t;
        auto out = at::empty_like(t->narrow(0, 0, chunk));
        c10d::ReduceScatterOptions opts;
        opts.reduceOp = to_reduce_op(op);
        opts.timeout = g->timeout;
        finish(*g, g->impl->_reduce_scatter_base(out, in, opts), "reduce_scatter");
        return trl::wrap(out);
    }
    std::vector<at::Tensor> tensors{t->clone()};
    c10d::AllreduceOptions opts;
    opts.reduceOp = to_reduce_op(op);
    opts.timeout = g->timeout;
    finish(*g, g->impl->allreduce(tensors, opts), "reduce_scatter");
    return trl::wrap(tensors[0].narrow(0, chunk * g->rank, chunk).clone());
    TRL_CATCH_RET(nullptr)
}

/// Returns once every rank has reached the barrier (or throws after the timeout).
TRL_API int trl_dist_barrier(TrlGroup g) {
    TRL_TRY
    check_usable(*g, "barrier");
    c10d::BarrierOptions opts;
    opts.timeout = g->timeout;
    finish(*g, g->impl->barrier(opts), "barrier");
    return 0;
    TRL_CATCH_RET(-1)
}


// ---------------------------------------------------------------------------------------------------------------------
// Gradient reducer: the DDP Reducer's idea on the API common to libtorch 1.13 and 2.x (Tensor::register_hook; the
// post-accumulate hooks of 2.1+ do not exist in 1.13). A hook on every parameter adds its gradient, as autograd
// produces it, into a float64 bucket (an exact sum over micro-batches: the result does not depend on how the
// micro-batches are spread over ranks). On the last micro-batch before an optimizer step (prepare(sync = 1)) a bucket
// whose parameters have all reported starts its all-reduce at once, asynchronously, while autograd goes on with the
// earlier layers: communication overlaps the backward. Buckets are filled in reverse parameter order (the order the
// backward produces them) and started strictly in bucket order, so every rank issues the same collectives in the same
// order (gloo pairs them by order). finish() starts what is left (unused parameters, a rank with no micro-batch, or
// overlap off), waits, and writes the sums into the parameters' .grad in their dtype.

namespace {

struct Reducer {
    Group* group;
    std::vector<at::Tensor> params;
    std::vector<unsigned> hooks;
    std::vector<int> bucket_of;               // parameter → bucket
    std::vector<int64_t> offset_of;           // parameter → offset in its bucket
    std::vector<int64_t> flag_of;             // parameter → its slot after the bucket's gradients: 1 per backward that reached it
    std::vector<at::Tensor> buckets;          // float64, flat
    std::vector<int> pending;                 // parameters of each bucket not yet reported in the sync pass
    std::vector<int> size;                    // parameters per bucket
    std::vector<c10::intrusive_ptr<c10d::Work>> works;   // started all-reduces, bucket order
    bool overlap;
    bool sync = false;
    bool dirty = false;
    std::exception_ptr error;                 // a failed start inside a hook, rethrown by finish()

    /// Empties the buckets and re-arms every bucket's countdown for the next step. After an all-reduce the buckets
    /// hold the other ranks' sums even when this rank added nothing, so finish() passes `after_reduce`.
    void reset(bool after_reduce) {
        if (dirty || after_reduce) {
            for (auto& b : buckets) b.zero_();
            dirty = false;
        }
        pending = size;
    }

    void start_ready() {
        while (works.size() < buckets.size() && pending[works.size()] == 0) start(works.size());
    }

    void start(size_t k) {
        check_usable(*group, "gradient all_reduce");
        std::vector<at::Tensor> tensors{buckets[k]};
        c10d::AllreduceOptions opts;
        opts.reduceOp = c10d::ReduceOp::SUM;
        opts.timeout = group->timeout;
        try {
            works.push_back(group->impl->allreduce(tensors, opts));
        } catch (const c10::Error& e) {
            group->failed = true;
            throw std::runtime_error(failure(e.what_without_backtrace()));
        } catch (const std::exception& e) {
            group->failed = true;
            throw std::runtime_error(failure(e.what()));
        }
    }

    std::string failure(const std::string& why) const {
        return "gradient all_reduce failed on rank " + std::to_string(group->rank) + " of " + std::to_string(group->size) + ": " + why;
    }

    void on_grad(size_t i, const at::Tensor& grad) {
        at::NoGradGuard no_grad;
        const int k = bucket_of[i];
        buckets[k].narrow(0, offset_of[i], grad.numel()).add_(grad.reshape(-1));
        buckets[k][flag_of[i]].add_(1.0);
        dirty = true;
        if (!sync || !overlap || error) return;
        if (--pending[k] == 0) {
            try {
                start_ready();
            } catch (...) {
                error = std::current_exception();   // never throw through autograd's hook: finish() reports it
            }
        }
    }
};

}  // namespace

typedef Reducer* TrlReducer;

/// Hooks on `n` parameters; buckets of about `bucket_bytes` float64 bytes in reverse parameter order.
TRL_API TrlReducer trl_dist_reducer_new(TrlGroup g, const TrlTensor* params, int n, int64_t bucket_bytes, int overlap) {
    TRL_TRY
    if (n < 1) throw std::invalid_argument("reducer: no parameters");
    auto r = std::make_unique<Reducer>();
    r->group = g;
    r->overlap = overlap != 0;
    r->bucket_of.assign(n, 0);
    r->offset_of.assign(n, 0);
    r->flag_of.assign(n, 0);
    int64_t filled = 0;
    for (int i = n - 1; i >= 0; i--) {
        const auto& p = *params[i];
        if (!p.requires_grad()) throw std::invalid_argument("reducer: parameter " + std::to_string(i) + " does not require grad");
        if (r->size.empty() || filled * 8 >= bucket_bytes) {
            r->size.push_back(0);
            filled = 0;
        }
        r->bucket_of[i] = static_cast<int>(r->size.size() - 1);
        r->offset_of[i] = filled;
        r->size.back()++;
        filled += p.numel();
    }
    // After each bucket's gradients, one slot per parameter counts the backwards that reached it on any rank: a
    // parameter no rank's backward reached keeps no gradient, as in one process (AdamW then leaves it alone).
    std::vector<int64_t> elements(r->size.size(), 0);
    for (int i = 0; i < n; i++) elements[r->bucket_of[i]] += params[i]->numel();
    std::vector<int64_t> flags = elements;
    for (int i = n - 1; i >= 0; i--) r->flag_of[i] = flags[r->bucket_of[i]]++;
    for (auto e : flags) r->buckets.push_back(at::zeros({e}, params[0]->options().dtype(at::kDouble)));
    r->pending = r->size;
    Reducer* raw = r.get();
    for (int i = 0; i < n; i++) {
        r->params.push_back(*params[i]);
        r->hooks.push_back(params[i]->register_hook([raw, i](at::Tensor grad) { raw->on_grad(static_cast<size_t>(i), grad); }));
    }
    return r.release();
    TRL_CATCH_RET(nullptr)
}

TRL_API int trl_dist_reducer_buckets(TrlReducer r) { return static_cast<int>(r->buckets.size()); }

/// Before a backward: sync = 1 on this rank's last micro-batch of the step (its buckets start as they fill).
TRL_API int trl_dist_reducer_prepare(TrlReducer r, int sync) {
    TRL_TRY
    r->sync = sync != 0;
    r->pending = r->size;
    return 0;
    TRL_CATCH_RET(-1)
}

/// Before the optimizer step: start the buckets not started yet, wait for all, set every parameter's .grad to its sum
/// (in the parameter's dtype), zero the buckets.
TRL_API int trl_dist_reducer_finish(TrlReducer r) {
    TRL_TRY
    at::NoGradGuard no_grad;
    r->sync = false;
    if (r->error) {
        auto e = r->error;
        r->error = nullptr;
        std::rethrow_exception(e);
    }
    while (r->works.size() < r->buckets.size()) r->start(r->works.size());
    auto works = std::move(r->works);
    r->works.clear();
    for (auto& w : works) finish(*r->group, w, "gradient all_reduce");
    for (size_t i = 0; i < r->params.size(); i++) {
        auto& p = r->params[i];
        const auto& bucket = r->buckets[r->bucket_of[i]];
        if (bucket[r->flag_of[i]].item<double>() == 0) {
            p.mutable_grad() = at::Tensor();
            continue;
        }
        auto sum = bucket.narrow(0, r->offset_of[i], p.numel()).view(p.sizes()).to(p.scalar_type(), false, true);  // a copy: the bucket is zeroed below
        p.mutable_grad() = sum.contiguous();
    }
    r->reset(true);
    return 0;
    TRL_CATCH_RET(-1)
}

/// Drops what the buckets hold (a ZeroGrad between steps).
TRL_API int trl_dist_reducer_zero(TrlReducer r) {
    TRL_TRY
    if (!r->works.empty()) throw std::logic_error("reducer: zero() while all-reduces are running; call finish() first");
    r->reset(false);
    return 0;
    TRL_CATCH_RET(-1)
}

/// Removes the hooks (after waiting for any running all-reduce) and frees the buckets.
TRL_API void trl_dist_reducer_free(TrlReducer r) {
    try {
        if (!r->group->failed)
            for (auto& w : r->works) w->wait(r->group->timeout);
    } catch (...) {
    }
    for (size_t i = 0; i < r->params.size(); i++) r->params[i].remove_hook(r->hooks[i]);
    delete r;
}

#else  // built without c10d: every entry point reports why

static const char* kNoDistributed =
    "this bridge was built without c10d (gloo headers not found at build time). Install libgloo-dev (eng/setup.sh) "
    "or use a libtorch that ships them, then rebuild.";

TRL_API int trl_dist_available() { return 0; }
TRL_API void* trl_dist_store_new(const char*, int, int, int64_t) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API int trl_dist_store_port(void*) { return -1; }
TRL_API void trl_dist_store_free(void*) {}
TRL_API void* trl_dist_group_new(void*, int, int, int, int64_t, int64_t, const char*) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API void trl_dist_group_free(void*) {}
TRL_API int trl_dist_all_reduce(void*, TrlTensor, int) { trl::set_error(kNoDistributed); return -1; }
TRL_API int trl_dist_broadcast(void*, TrlTensor, int) { trl::set_error(kNoDistributed); return -1; }
TRL_API TrlTensor trl_dist_all_gather(void*, TrlTensor) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API TrlTensor trl_dist_reduce_scatter(void*, TrlTensor, int) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API int trl_dist_barrier(void*) { trl::set_error(kNoDistributed); return -1; }
TRL_API void* trl_dist_reducer_new(void*, const TrlTensor*, int, int64_t, int) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API int trl_dist_reducer_buckets(void*) { return 0; }
TRL_API int trl_dist_reducer_prepare(void*, int) { trl::set_error(kNoDistributed); return -1; }
TRL_API int trl_dist_reducer_finish(void*) { trl::set_error(kNoDistributed); return -1; }
TRL_API int trl_dist_reducer_zero(void*) { trl::set_error(kNoDistributed); return -1; }
TRL_API void trl_dist_reducer_free(void*) {}

#endif
