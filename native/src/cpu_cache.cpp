// A caching allocator for large CPU tensor buffers, installed as libtorch's CPU allocator when the bridge loads.
//
// Why: libtorch's default CPU allocator (c10::alloc_cpu) takes every buffer from malloc. glibc serves blocks above
// its mmap threshold (dynamic, at most 32 MiB) with a fresh mmap and returns them with munmap on free, so a training
// step that creates and frees the same large activations every step (attention scores B*H*T*T, logits, gradients)
// pays page faults and kernel zeroing for all of them again. On the demo SFT run (2 cores) 14.4 s of 38 s CPU time
// was kernel time. Tuning glibc process-wide (mallopt M_MMAP_MAX=0) is unsafe: threads outside the main arena
// (thread-pool threads, ASP.NET hosts) have 64 MiB heaps and grew by ~40 MB per alloc/free cycle of a 48 MiB block.
//
// What: blocks of at least kMinCachedBytes are rounded up to a size class (8 classes per power of two, so at most
// 12.5% padding) and, when their tensor dies, kept in a cache instead of being freed. The next request that fits
// (the smallest cached block of at most twice its size) gets it back without a system call. The idea is that of
// PyTorch's CUDA caching allocator, without block splitting (the blocks are plain malloc blocks). Three rules bound
// the memory kept: (1) on a miss, least recently cached blocks are freed until the footprint (in use + cached) is
// within 25% of the most ever in use, so the process never holds much more than the default allocator's peak;
// (2) a block not reused within kStaleAfterRequests large requests is freed at the next miss, so the cache follows
// the current phase; (3) cached bytes never exceed a cap (TOOLRL_CPU_CACHE_MB, default 25% of physical memory),
// least recently cached blocks going first. Smaller blocks go straight to c10::alloc_cpu/free_cpu as before.
// Measured on the demo SFT (docs/allocator.md): kernel time 14.5 s -> 1.3 s, peak RSS 1.22 GB -> 0.92 GB.
//
// Semantics kept from the default allocator: 64-byte alignment and fresh blocks from c10::alloc_cpu itself (same
// NUMA placement, huge-page advice in libtorch 2.x); contents of new buffers are unspecified, as for torch.empty.
// When c10's debugging flags caffe2_cpu_allocator_do_zero_fill / _do_junk_fill are set, nothing is cached, so every
// buffer is filled exactly as alloc_cpu fills it. Allocations and frees are still reported to the profiler
// (c10::profiledCPUMemoryReporter), as the default allocator does.
//
// Knobs (read once, when the bridge loads): TOOLRL_MALLOC=system or TOOLRL_CPU_CACHE_MB=0 leave libtorch's default
// allocator in place; TOOLRL_CPU_CACHE_MB=<n> caps the cache at n MiB.
#include "bridge.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Flags.h>
#include <torch/version.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

// c10's debugging flags (defined in libc10; declared here because no public header of 1.13 declares them).
C10_DECLARE_bool(caffe2_cpu_allocator_do_zero_fill);
C10_DECLARE_bool(caffe2_cpu_allocator_do_junk_fill);

// The c10::Allocator interface differs between the libtorch versions the bridge builds against:
// * libtorch 1.x up to 2.2: `DataPtr allocate(size_t) const` (this build: Debian's 1.13.1).
// * libtorch 2.3 and later: `allocate` is non-const (pytorch PR #120969, March 2024) and `copy_data` is pure
//   virtual (added for copy-on-write storages); copy_data is defined below for every version without `override`,
//   so it overrides where it exists and is an unused member where it does not.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define TRL_ALLOCATE_CONST
#else
#define TRL_ALLOCATE_CONST const
#endif

namespace {

constexpr size_t kMiB = size_t(1) << 20;
/// Below this, glibc serves blocks from its arenas without mmap anyway (its threshold starts at 128 KiB and adapts
/// upwards), and the many small tensors of a step are not worth a lock.
constexpr size_t kMinCachedBytes = kMiB;
constexpr size_t kClassesPerDoubling = 8;
/// A cached block may serve a request down to half its size (sequence lengths vary between batches, and attention
/// scores grow with their square). The smallest fitting block is chosen, so larger ones stay for larger requests.
constexpr size_t kMaxOversize = 2;
/// On a miss, cached blocks are evicted until the footprint (in use + cached) is at most 1 + 1/kFootprintDivisor
/// times the most ever in use, so the cache costs at most 25% on top of the peak working set.
constexpr size_t kFootprintDivisor = 4;
/// A cached block untouched for this many large requests (a few training steps' worth) is freed at the next miss.
constexpr uint64_t kStaleAfterRequests = 4096;

/// The request rounded up to the next of kClassesPerDoubling evenly spaced sizes in its power-of-two range.
size_t size_class(size_t n) {
    const int high_bit = 63 - __builtin_clzll(static_cast<unsigned long long>(n));
    const size_t step = (size_t(1) << high_bit) / kClassesPerDoubling;
    return (n + step - 1) / step * step;
}

bool fill_flags_set() {
    return FLAGS_caffe2_cpu_allocator_do_zero_fill || FLAGS_caffe2_cpu_allocator_do_junk_fill;
}

size_t physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page_size) : 0;
}

struct CachedBlock {
    void* ptr;
    uint64_t cached_at;  // value of the request clock when the block entered the cache (for LRU and staleness)
};

/// The cache's state. Every member is guarded by mutex_; system calls (malloc, free) happen outside the lock.
class BlockCache {
public:
    explicit BlockCache(size_t limit) : limit_(limit) {}

    /// A block of at least `bytes` (>= kMinCachedBytes) bytes, from the cache or freshly allocated.
    void* acquire(size_t bytes) {
        const size_t wanted = size_class(bytes);
        std::vector<void*> to_free;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++clock_;
            if (limit_ > 0) {
                auto it = free_.lower_bound(wanted);
                if (it != free_.end() && it->first <= wanted * kMaxOversize) {
                    void* p = it->second.ptr;
                    hand_out_locked(p, it->first);
                    cached_bytes_ -= it->first;
                    free_.erase(it);
                    ++hits_;
                    return p;
                }
                ++misses_;
                take_stale_locked(to_free);
                // Rule 1: cached blocks that cannot serve this request make room for it, least recently cached first,
                // while the footprint would exceed the peak in use by more than 1/kFootprintDivisor.
                const size_t peak = std::max(peak_live_bytes_, live_bytes_ + wanted);
                while (!free_.empty() &&
                       (live_bytes_ + wanted + cached_bytes_) * kFootprintDivisor > peak * (kFootprintDivisor + 1))
                    evict_oldest_locked(to_free);
            }
        }
        release_all(to_free);
        void* p = allocate_fresh(wanted);
        std::lock_guard<std::mutex> lock(mutex_);
        hand_out_locked(p, wanted);
        return p;
    }

    /// Takes back a block handed out by acquire (true), or false when `p` is not one (the caller frees it).
    bool give_back(void* p) {
        std::vector<void*> evicted;
        bool keep = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = live_.find(p);
            if (it == live_.end()) return false;
            const size_t size = it->second;
            live_.erase(it);
            live_bytes_ -= size;
            keep = size <= limit_;
            if (keep) {
                while (cached_bytes_ + size > limit_) evict_oldest_locked(evicted);
                free_.emplace(size, CachedBlock{p, clock_});
                cached_bytes_ += size;
            } else {
                ++evicted_blocks_;
            }
        }
        release_all(evicted);
        if (!keep) c10::free_cpu(p);
        return true;
    }

    /// Frees every cached block and restarts the peak of bytes in use (rule 1) from the current amount, so a
    /// smaller phase after a large one keeps a smaller footprint; returns the bytes released.
    size_t empty() {
        std::vector<void*> all;
        size_t released;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            peak_live_bytes_ = live_bytes_;
            released = cached_bytes_;
            for (auto& entry : free_) all.push_back(entry.second.ptr);
            free_.clear();
            cached_bytes_ = 0;
        }
        release_all(all);
        return released;
    }

    /// Changes the cap, evicting the least recently cached blocks beyond it (0 stops caching).
    void set_limit(size_t limit) {
        std::vector<void*> evicted;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            limit_ = limit;
            while (cached_bytes_ > limit_) evict_oldest_locked(evicted);
        }
        release_all(evicted);
    }

    /// Order shared with trl_cpu_cache_stats and CpuCacheStatistics.FromNative.
    void stats(int64_t* out, int n) {
        std::lock_guard<std::mutex> lock(mutex_);
        const int64_t values[] = {static_cast<int64_t>(limit_),       static_cast<int64_t>(cached_bytes_),
                                  static_cast<int64_t>(free_.size()), static_cast<int64_t>(hits_),
                                  static_cast<int64_t>(misses_),      static_cast<int64_t>(evicted_blocks_),
                                  static_cast<int64_t>(live_bytes_)};
        const int count = static_cast<int>(sizeof(values) / sizeof(values[0]));
        for (int i = 0; i < n && i < count; i++) out[i] = values[i];
    }

private:
    void hand_out_locked(void* p, size_t size) {
        live_.emplace(p, size);
        live_bytes_ += size;
        peak_live_bytes_ = std::max(peak_live_bytes_, live_bytes_);
    }

    /// Moves the block that entered the cache first into `out` (a linear scan: the cache holds few, large blocks).
    void evict_oldest_locked(std::vector<void*>& out) {
        auto oldest = free_.begin();
        for (auto it = free_.begin(); it != free_.end(); ++it)
            if (it->second.cached_at < oldest->second.cached_at) oldest = it;
        cached_bytes_ -= oldest->first;
        out.push_back(oldest->second.ptr);
        free_.erase(oldest);
        ++evicted_blocks_;
    }

    void take_stale_locked(std::vector<void*>& out) {
        for (auto it = free_.begin(); it != free_.end();) {
            if (clock_ - it->second.cached_at > kStaleAfterRequests) {
                cached_bytes_ -= it->first;
                out.push_back(it->second.ptr);
                it = free_.erase(it);
                ++evicted_blocks_;
            } else {
                ++it;
            }
        }
    }

    /// c10::alloc_cpu, retried once after emptying the cache when memory is short.
    void* allocate_fresh(size_t size) {
        try {
            return c10::alloc_cpu(size);
        } catch (const c10::Error&) {
            if (empty() == 0) throw;
        }
        return c10::alloc_cpu(size);
    }

    static void release_all(const std::vector<void*>& blocks) {
        for (void* p : blocks) c10::free_cpu(p);
    }

    std::mutex mutex_;
    size_t limit_;
    std::multimap<size_t, CachedBlock> free_;  // by size, for the smallest block that fits
    std::unordered_map<void*, size_t> live_;   // blocks handed out, with their (class) size
    size_t cached_bytes_ = 0, live_bytes_ = 0, peak_live_bytes_ = 0;
    uint64_t clock_ = 0, hits_ = 0, misses_ = 0, evicted_blocks_ = 0;
};

/// Never destroyed: tensors may be freed during process exit, after static destructors have run.
BlockCache& cache() {
    static BlockCache* instance = new BlockCache(0);
    return *instance;
}

/// The one deleter of every buffer this allocator hands out (so the raw_allocate interface works).
void release(void* p) {
    if (p == nullptr) return;
    c10::profiledCPUMemoryReporter().Delete(p);
    if (!cache().give_back(p)) c10::free_cpu(p);
}

/// The deleter of the small (never cached) buffers handed out by allocate: straight back to the system, without
/// give_back's lock and map lookup, which cost ~150 instructions (~3%) on every small op's result
/// (torch-overhead benchmark, callgrind). `release` still accepts these buffers (raw_deleter).
void release_uncached(void* p) {
    if (p == nullptr) return;
    c10::profiledCPUMemoryReporter().Delete(p);
    c10::free_cpu(p);
}

struct CachingCpuAllocator final : at::Allocator {
    at::DataPtr allocate(size_t bytes) TRL_ALLOCATE_CONST override {
        void* p = nullptr;
        const bool cached = bytes >= kMinCachedBytes && !fill_flags_set();
        try {
            p = cached ? cache().acquire(bytes) : c10::alloc_cpu(bytes);
        } catch (const c10::Error&) {
            c10::profiledCPUMemoryReporter().OutOfMemory(bytes);
            throw;
        }
        c10::profiledCPUMemoryReporter().New(p, bytes);
        return {p, p, cached ? &release : &release_uncached, at::Device(at::DeviceType::CPU)};
    }

    at::DeleterFnPtr raw_deleter() const override { return &release; }

    // Pure virtual in libtorch >= 2.3 (see TRL_ALLOCATE_CONST above); a plain memcpy as in the default allocator.
    void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
};

CachingCpuAllocator allocator_instance;

/// The cap from TOOLRL_CPU_CACHE_MB (0 = do not install), or 25% of physical memory when unset.
size_t configured_limit() {
    const char* malloc_choice = std::getenv("TOOLRL_MALLOC");
    if (malloc_choice != nullptr && std::strcmp(malloc_choice, "system") == 0) return 0;
    const size_t fallback = physical_memory_bytes() / 4;
    const char* text = std::getenv("TOOLRL_CPU_CACHE_MB");
    if (text == nullptr || *text == '\0') return fallback;
    char* end = nullptr;
    errno = 0;
    const long long mb = std::strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || mb < 0) {
        // A library load cannot throw into the caller: say what is wrong and go on with the default.
        std::fprintf(stderr,
                     "ToolRL.Torch: TOOLRL_CPU_CACHE_MB='%s' is not a whole number of MiB (>= 0); using the default "
                     "cap of %zu MiB. Set e.g. TOOLRL_CPU_CACHE_MB=2048, or 0 to use libtorch's default allocator.\n",
                     text, fallback / kMiB);
        return fallback;
    }
    return static_cast<size_t>(mb) * kMiB;
}

/// Installs the allocator (priority 1: above libtorch's default, which registers with 0) unless disabled.
bool install() {
    const size_t limit = configured_limit();
    if (limit == 0) return false;
    cache().set_limit(limit);
    c10::SetCPUAllocator(&allocator_instance, /*priority=*/1);
    return true;
}

const bool install_requested = install();


}  // namespace

/// 1 when libtorch's current CPU allocator is this cache, 0 otherwise (disabled, or replaced by someone else).
TRL_API int trl_cpu_cache_active() {
    return install_requested && c10::GetCPUAllocator() == &allocator_instance ? 1 : 0;
}

/// Writes up to n statistics (limit, cached bytes, cached blocks, hits, misses, evicted blocks, live bytes).
TRL_API void trl_cpu_cache_stats(int64_t* out, int n) { cache().stats(out, n); }

/// Frees every cached block; returns the bytes released.
TRL_API int64_t trl_cpu_cache_empty() { return static_cast<int64_t>(cache().empty()); }

/// Sets the cap on cached bytes (evicting beyond it); 0 stops caching. Returns -1 for a negative cap.
TRL_API int trl_cpu_cache_set_limit(int64_t bytes) {
    if (bytes < 0) {
        trl::set_error(("the CPU cache limit must be >= 0 bytes, got " + std::to_string(bytes)).c_str());
        return -1;
    }
    cache().set_limit(static_cast<size_t>(bytes));
    return 0;
}
