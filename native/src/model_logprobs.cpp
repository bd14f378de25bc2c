// Model-area bridge op (owned by the model helper; kept apart from the general tensor bridge):
// fused "vocabulary projection → log-prob of the target token and entropy", with its own autograd backward.
//
// For each row n with hidden h_n [H], target t_n and inverse temperature τ:
//   z_n      = τ · (W h_n)                      (W = lm_head weight [V, H]; logits of the row)
//   lse_n    = log Σ_j exp z_nj                 (max-shifted, fp32)
//   logp_n   = z_n,t_n − lse_n                  (log-probability of the target)
//   H_n      = − Σ_j p_nj log p_nj              (entropy of the row; p = softmax z)
// Backward, with upstream gradients a_n = ∂L/∂logp_n and b_n = ∂L/∂H_n:
//   ∂logp_n/∂z_nj = 1[j = t_n] − p_nj
//   ∂H_n/∂z_nj    = − p_nj (log p_nj + H_n)      (d/dz of lse − Σ p z)
//   g_nj = a_n (1[j=t_n] − p_nj) − b_n p_nj (log p_nj + H_n);  ∂L/∂h_n = τ g_n W;  ∂L/∂W = τ Σ_n g_nᵀ h_n.
//
// Two memory regimes (chosen by the caller's byte budget for the N·V fp32 logits):
// - kept: ONE GEMM projects all rows and the softmax is kept for the backward (the probabilities p when no
//   entropy is asked for, which makes g = a (1[j=t] − p) one pass; the scaled logits otherwise), which the backward
//   turns in place into g, finishing with one GEMM for ∂L/∂h and one for ∂L/∂W. The [V, H] weight (151,936 × H
//   for Qwen2) is then streamed once per GEMM instead of once per chunk, and ∂L/∂W is written once instead of
//   accumulated per chunk. A second backward through a retained graph (the kept block is consumed) recomputes.
// - recomputed: rows are projected `chunk` at a time in the forward (only lse and H are kept) and again in the
//   backward (three GEMMs per chunk), so memory stays O(chunk·V) for long inputs.
// In both, the element-wise softmax work runs over row blocks of about 1 MB, so each pass after the first hits the
// cache instead of main memory (the passes over a [N, V] array are otherwise memory-bound).
#include "bridge.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// Rows per element-wise block: about 256 K floats (1 MB), one row at least.
int64_t block_rows(int64_t v) { return std::max<int64_t>(1, (int64_t{1} << 18) / v); }

/// Fills `out` ([c, V] fp32) with h Wᵀ (unscaled).
void project(at::Tensor& out, const at::Tensor& h, const at::Tensor& w) {
    if (h.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat) {
        at::mm_out(out, h, w.t());
    } else {
        out.copy_(at::mm(h, w.t()));  // matmul in the model dtype (bf16/f16), softmax statistics in fp32
    }
}

/// What the forward keeps of the [N, V] block for the backward.
enum class Kept : int64_t { Nothing = 0, Logits = 1, Probabilities = 2 };

/// Forward statistics of the logits block z [r, V] (h Wᵀ, scaled by τ in place here): lse, target log-prob and
/// entropy of each row. With `to_probs`, z is left holding softmax(z) instead. `shifted`, `e`: [r, V] scratch.
void block_forward(at::Tensor z, const at::Tensor& tgt, double inv_t, bool to_probs, at::Tensor shifted, at::Tensor e,
                   at::Tensor lse, at::Tensor logp, at::Tensor ent, bool want_entropy) {
    if (inv_t != 1.0) z.mul_(inv_t);
    auto m = z.amax(1, /*keepdim=*/true);                                      // [r,1]
    at::sub_out(shifted, z, m);
    if (to_probs) e = z;                                                       // z is no longer needed: e in place
    at::exp_out(e, shifted);
    auto sum = e.sum(1);                                                       // [r]
    auto log_sum = sum.log();
    lse.copy_(m.squeeze(1) + log_sum);
    logp.copy_(shifted.gather(1, tgt.unsqueeze(1)).squeeze(1) - log_sum);
    if (want_entropy) {
        // H = log Σe − Σ e·(z−m) / Σe, the dot product per row done by bmm without a [r,V] temporary.
        auto ez = at::bmm(e.unsqueeze(1), shifted.unsqueeze(2)).view({z.size(0)});
        ent.copy_(log_sum - ez / sum);
    } else {
        ent.zero_();
    }
    if (to_probs) z.div_(sum.unsqueeze(1));                                    // p = e / Σe
}

/// Turns the block z [r, V] in place into τ·g (see the header). z holds what `kept` says, or h Wᵀ (unscaled) when
/// recomputed. a, b, hrow: [r, 1]; b undefined when the entropy has no gradient. `scratch`: [r, V].
void block_backward(at::Tensor z, Kept kept, const at::Tensor& tgt, const at::Tensor& lse, const at::Tensor& a,
                    const at::Tensor& b, const at::Tensor& hrow, double inv_t, at::Tensor scratch) {
    if (kept == Kept::Probabilities) {
        z.mul_(-a);                                                            // −a p (no entropy term: see forward)
    } else {
        if (kept == Kept::Nothing && inv_t != 1.0) z.mul_(inv_t);
        z.sub_(lse);                                                           // log p
        if (b.defined()) {
            at::add_out(scratch, z, hrow);                                     // log p + H
            scratch.mul_(b).add_(a);                                           // a + b (log p + H)
            z.exp_().mul_(scratch).neg_();                                     // −p · (a + b (log p + H))
        } else {
            z.exp_().mul_(-a);                                                 // −a p
        }
    }
    z.scatter_add_(1, tgt.unsqueeze(1), a);                                    // + a at the target
    if (inv_t != 1.0) z.mul_(inv_t);
}

struct LinearLogProbEntropy : public torch::autograd::Function<LinearLogProbEntropy> {
    static variable_list forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight,
                                 const at::Tensor& targets, double inv_t, int64_t chunk, bool keep_logits,
                                 bool want_entropy) {
        const int64_t n = hidden.size(0), v = weight.size(0);
        auto f32 = hidden.options().dtype(at::kFloat);
        auto logp_out = at::empty({n}, f32);
        auto ent_out = at::empty({n}, f32);
        auto lse_all = at::empty({n}, f32);
        // Without entropy the entropy output is constant zeros, so its gradient is ignored and p suffices.
        const Kept kept = !keep_logits ? Kept::Nothing : want_entropy ? Kept::Logits : Kept::Probabilities;
        const int64_t step = keep_logits ? std::max<int64_t>(n, 1) : chunk;   // rows per GEMM
        at::Tensor logits = at::empty({std::min(step, n), v}, f32);           // all rows when kept, else one chunk
        const int64_t br = block_rows(v);
        auto shifted = at::empty({std::min(br, n), v}, f32), e = at::empty({std::min(br, n), v}, f32);
        for (int64_t s = 0; s < n; s += step) {
            const int64_t c = std::min(step, n - s);
            auto z = logits.narrow(0, 0, c);
            project(z, hidden.narrow(0, s, c), weight);
            for (int64_t r0 = 0; r0 < c; r0 += br) {
                const int64_t r = std::min(br, c - r0), row = s + r0;
                block_forward(z.narrow(0, r0, r), targets.narrow(0, row, r), inv_t, kept == Kept::Probabilities,
                              shifted.narrow(0, 0, r),
                              e.narrow(0, 0, r), lse_all.narrow(0, row, r), logp_out.narrow(0, row, r),
                              ent_out.narrow(0, row, r), want_entropy);
            }
        }
        ctx->save_for_backward({hidden, weight, targets, lse_all, ent_out});
        ctx->saved_data["inv_t"] = inv_t;
        ctx->saved_data["chunk"] = chunk;
        ctx->saved_data["want_entropy"] = want_entropy;
        ctx->saved_data["kept"] = static_cast<int64_t>(kept);
        if (keep_logits) ctx->saved_data["block"] = logits;
        return {logp_out, ent_out};
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        auto saved = ctx->get_saved_variables();
        auto hidden = saved[0], weight = saved[1], targets = saved[2], lse = saved[3], ent = saved[4];
        const double inv_t = ctx->saved_data["inv_t"].toDouble();
        const int64_t chunk = ctx->saved_data["chunk"].toInt();
        const Kept kept = static_cast<Kept>(ctx->saved_data["kept"].toInt());
        const bool keep = kept != Kept::Nothing;
        const int64_t n = hidden.size(0), v = weight.size(0);
        auto f32 = hidden.options().dtype(at::kFloat);
        at::Tensor logits;
        if (keep) {
            // The kept logits become g in place; a second backward through a retained graph recomputes instead.
            logits = ctx->saved_data["block"].toTensor();
            ctx->saved_data.erase("block");
            ctx->saved_data["kept"] = static_cast<int64_t>(Kept::Nothing);
        }
        at::Tensor ga = grads[0].defined() ? grads[0].to(at::kFloat) : at::zeros({n}, f32);
        const bool entropy_grad = grads[1].defined() && ctx->saved_data["want_entropy"].toBool();
        at::Tensor gb = entropy_grad ? grads[1].to(at::kFloat) : at::Tensor();
        const bool need_h = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1);
        at::Tensor grad_h = need_h ? at::empty_like(hidden) : at::Tensor();
        at::Tensor grad_w;
        const int64_t step = keep ? std::max<int64_t>(n, 1) : chunk;
        if (!keep) logits = at::empty({std::min(step, n), v}, f32);
        const int64_t br = block_rows(v);
        at::Tensor scratch = gb.defined() ? at::empty({std::min(br, n), v}, f32) : at::Tensor();
        for (int64_t s = 0; s < n; s += step) {
            const int64_t c = std::min(step, n - s);
            auto h = hidden.narrow(0, s, c);
            auto g = logits.narrow(0, 0, c);
            if (!keep) project(g, h, weight);
            for (int64_t r0 = 0; r0 < c; r0 += br) {
                const int64_t r = std::min(br, c - r0), row = s + r0;
                block_backward(g.narrow(0, r0, r), kept, targets.narrow(0, row, r),
                               lse.narrow(0, row, r).unsqueeze(1), ga.narrow(0, row, r).unsqueeze(1),
                               gb.defined() ? gb.narrow(0, row, r).unsqueeze(1) : at::Tensor(),
                               ent.narrow(0, row, r).unsqueeze(1), inv_t,
                               gb.defined() ? scratch.narrow(0, 0, r) : at::Tensor());
            }
            auto gm = g.scalar_type() == weight.scalar_type() ? g : g.to(weight.scalar_type());
            if (need_h) {
                auto gh = grad_h.narrow(0, s, c);
                at::mm_out(gh, gm, weight);
            }
            if (need_w) {
                // One GEMM when kept; per chunk otherwise, accumulated in fp32 for reduced-precision weights.
                if (gm.scalar_type() == at::kFloat) {
                    if (!grad_w.defined()) grad_w = at::mm(gm.t(), h);                  // [V,H]
                    else grad_w.addmm_(gm.t(), h);
                } else {
                    auto part = at::mm(gm.t(), h).to(at::kFloat);
                    if (!grad_w.defined()) grad_w = part;
                    else grad_w.add_(part);
                }
            }
        }
        if (need_w && grad_w.scalar_type() != weight.scalar_type()) grad_w = grad_w.to(weight.scalar_type());
        return {grad_h, grad_w, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

/// hidden [N,H] (float/bf16/f16), weight [V,H] same dtype, targets [N] int64. Writes two new owned handles:
/// log-probs [N] and entropies [N] (fp32; entropies are zeros unless want_entropy), differentiable w.r.t.
/// hidden and weight. chunk_rows bounds the [rows, V] logits block; the softmax block is kept for the
/// backward when N·V·4 ≤ keep_budget_bytes (then projected in one GEMM), otherwise recomputed. Returns 0, or −1 with trl_last_error() set.
TRL_API int trl_model_linear_logprob_entropy(TrlTensor hidden, TrlTensor weight, TrlTensor targets,
                                             double inv_temperature, int64_t chunk_rows, int64_t keep_budget_bytes,
                                             int want_entropy, TrlTensor* logp_out, TrlTensor* entropy_out) {
    TRL_TRY
    TORCH_CHECK(hidden->dim() == 2, "hidden must be [N, H], got ", hidden->sizes());
    TORCH_CHECK(weight->dim() == 2 && weight->size(1) == hidden->size(1),
                "weight must be [V, H] with H = ", hidden->size(1), ", got ", weight->sizes());
    TORCH_CHECK(targets->dim() == 1 && targets->size(0) == hidden->size(0),
                "targets must be [N] with N = ", hidden->size(0), ", got ", targets->sizes());
    TORCH_CHECK(targets->scalar_type() == at::kLong, "targets must be int64");
    TORCH_CHECK(inv_temperature > 0, "inverse temperature must be positive");
    const int64_t n = hidden->size(0), v = weight->size(0);
    if (n > 0) {
        auto lo = targets->min().item<int64_t>(), hi = targets->max().item<int64_t>();
        TORCH_CHECK(lo >= 0 && hi < v, "target ids must lie in [0, ", v, "), got [", lo, ", ", hi, "]");
    }
    const int64_t chunk = std::max<int64_t>(1, chunk_rows);
    const bool keep = n * v * 4 <= keep_budget_bytes;
    auto out = LinearLogProbEntropy::apply(hidden->contiguous(), *weight, *targets, inv_temperature, chunk, keep,
                                           want_entropy != 0);
    *logp_out = trl::wrap(std::move(out[0]));
    *entropy_out = trl::wrap(std::move(out[1]));
    return 0;
    TRL_CATCH_RET(-1)
}
