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
#include "bridge.h"

#include <torch/version.h>

#ifdef TRL_WITH_DISTRIBUTED
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef TRL_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
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
};

/// Waits for a collective; a timeout or a peer's failure throws with the operation named.
void finish(const Group& g, const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
        work->wait(g.timeout);
    } catch (const c10::Error& e) {
        throw std::runtime_error(std::string(what) + " failed on rank " + std::to_string(g.rank) + " of " +
                                 std::to_string(g.size) + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string(what) + " failed on rank " + std::to_string(g.rank) + " of " +
                                 std::to_string(g.size) + ": " + e.what());
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
/// joined or the timeout passes.
TRL_API TrlGroup trl_dist_group_new(TrlStore s, int rank, int size, int backend, int64_t timeout_ms,
                                    const char* gloo_address) {
    TRL_TRY
    if (size < 1 || rank < 0 || rank >= size)
        throw std::invalid_argument("rank " + std::to_string(rank) + " is outside a world of size " + std::to_string(size));
    auto timeout = std::chrono::milliseconds(timeout_ms);
    c10::intrusive_ptr<GroupBase> impl;
    if (backend == 0) {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
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
    return new Group{impl, rank, size, timeout};
    TRL_CATCH_RET(nullptr)
}

TRL_API void trl_dist_group_free(TrlGroup g) { delete g; }

/// In place: every rank's tensor becomes the reduction over all ranks.
TRL_API int trl_dist_all_reduce(TrlGroup g, TrlTensor t, int op) {
    TRL_TRY
    check_dense(*t, "all_reduce");
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
    c10d::BarrierOptions opts;
    opts.timeout = g->timeout;
    finish(*g, g->impl->barrier(opts), "barrier");
    return 0;
    TRL_CATCH_RET(-1)
}

#else  // built without c10d: every entry point reports why

static const char* kNoDistributed =
    "this bridge was built without c10d (gloo headers not found at build time). Install libgloo-dev (eng/setup.sh) "
    "or use a libtorch that ships them, then rebuild.";

TRL_API int trl_dist_available() { return 0; }
TRL_API void* trl_dist_store_new(const char*, int, int, int64_t) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API int trl_dist_store_port(void*) { return -1; }
TRL_API void trl_dist_store_free(void*) {}
TRL_API void* trl_dist_group_new(void*, int, int, int, int64_t, const char*) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API void trl_dist_group_free(void*) {}
TRL_API int trl_dist_all_reduce(void*, TrlTensor, int) { trl::set_error(kNoDistributed); return -1; }
TRL_API int trl_dist_broadcast(void*, TrlTensor, int) { trl::set_error(kNoDistributed); return -1; }
TRL_API TrlTensor trl_dist_all_gather(void*, TrlTensor) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API TrlTensor trl_dist_reduce_scatter(void*, TrlTensor, int) { trl::set_error(kNoDistributed); return nullptr; }
TRL_API int trl_dist_barrier(void*) { trl::set_error(kNoDistributed); return -1; }

#endif
