// Model-area bridge op (owned by the model helper; kept apart from the general tensor bridge):
// fused "vocabulary projection → log-prob of the target token and entropy", computed in row chunks so
// that the [rows, vocab] logits never exist all at once, with its own autograd backward.
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
// The forward either keeps log p (when it fits the caller's byte budget: the backward then costs two matmuls)
// or keeps only lse and recomputes the chunk's logits in the backward (three matmuls, memory O(chunk·V)).
#include "bridge.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// Fills `out` ([c, V] fp32) with τ·(h Wᵀ) for one chunk.
void chunk_logits(at::Tensor& out, const at::Tensor& h, const at::Tensor& w, double inv_t) {
    if (h.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat) {
        at::mm_out(out, h, w.t());
    } else {
        out.copy_(at::mm(h, w.t()));  // matmul in the model dtype (bf16/f16), softmax statistics in fp32
    }
    if (inv_t != 1.0) out.mul_(inv_t);
}

struct LinearLogProbEntropy : public torch::autograd::Function<LinearLogProbEntropy> {
    static variable_list forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight,
                                 const at::Tensor& targets, double inv_t, int64_t chunk, bool keep_logp,
                                 bool want_entropy) {
        const int64_t n = hidden.size(0), v = weight.size(0);
        auto f32 = hidden.options().dtype(at::kFloat);
        auto logp_out = at::empty({n}, f32);
        auto ent_out = at::empty({n}, f32);
        auto lse_all = at::empty({n}, f32);
        at::Tensor kept = keep_logp ? at::empty({n, v}, f32) : at::Tensor();
        at::Tensor zbuf = keep_logp ? at::Tensor() : at::empty({std::min(chunk, n), v}, f32);
        at::Tensor ebuf = at::empty({std::min(chunk, n), v}, f32);
        for (int64_t s = 0; s < n; s += chunk) {
            const int64_t c = std::min(chunk, n - s);
            auto z = keep_logp ? kept.narrow(0, s, c) : zbuf.narrow(0, 0, c);
            chunk_logits(z, hidden.narrow(0, s, c), weight, inv_t);
            auto m = z.amax(1, /*keepdim=*/true);                                // [c,1] (no argmax needed)
            z.sub_(m);                                                         // shifted logits
            auto tgt = targets.narrow(0, s, c).unsqueeze(1);
            auto zt = z.gather(1, tgt).squeeze(1);                              // [c]
            auto e = ebuf.narrow(0, 0, c);
            at::exp_out(e, z);
            auto sum = e.sum(1);                                                // [c]
            auto log_sum = sum.log();
            logp_out.narrow(0, s, c).copy_(zt - log_sum);
            lse_all.narrow(0, s, c).copy_(m.squeeze(1) + log_sum);
            if (want_entropy) {
                // H = log Σe − Σ e·z / Σe, the dot product per row done by bmm without a [c,V] temporary.
                auto ez = at::bmm(e.unsqueeze(1), z.unsqueeze(2)).view({c});
                ent_out.narrow(0, s, c).copy_(log_sum - ez / sum);
            } else {
                ent_out.narrow(0, s, c).zero_();
            }
            if (keep_logp) z.sub_(log_sum.unsqueeze(1));                         // kept chunk = log p
        }
        ctx->save_for_backward({hidden, weight, targets, lse_all, ent_out});
        ctx->saved_data["inv_t"] = inv_t;
        ctx->saved_data["chunk"] = chunk;
        ctx->saved_data["keep"] = keep_logp;
        if (keep_logp) ctx->saved_data["logp"] = kept;
        return {logp_out, ent_out};
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        auto saved = ctx->get_saved_variables();
        auto hidden = saved[0], weight = saved[1], targets = saved[2], lse = saved[3], ent = saved[4];
        const double inv_t = ctx->saved_data["inv_t"].toDouble();
        const int64_t chunk = ctx->saved_data["chunk"].toInt();
        const bool keep = ctx->saved_data["keep"].toBool();
        at::Tensor kept = keep ? ctx->saved_data["logp"].toTensor() : at::Tensor();
        const int64_t n = hidden.size(0), v = weight.size(0);
        auto f32 = hidden.options().dtype(at::kFloat);
        at::Tensor ga = grads[0].defined() ? grads[0].to(at::kFloat) : at::zeros({n}, f32);
        at::Tensor gb = grads[1].defined() ? grads[1].to(at::kFloat) : at::Tensor();
        const bool need_h = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1);
        at::Tensor grad_h = need_h ? at::empty_like(hidden) : at::Tensor();
        at::Tensor grad_w = need_w ? at::zeros_like(weight, at::kFloat) : at::Tensor();
        at::Tensor zbuf = keep ? at::Tensor() : at::empty({std::min(chunk, n), v}, f32);
        at::Tensor pbuf = at::empty({std::min(chunk, n), v}, f32);
        // With kept log p, the entropy term needs its own scratch (the kept values must survive a retained graph).
        at::Tensor tbuf = keep && grads[1].defined() ? at::empty({std::min(chunk, n), v}, f32) : at::Tensor();
        for (int64_t s = 0; s < n; s += chunk) {
            const int64_t c = std::min(chunk, n - s);
            auto h = hidden.narrow(0, s, c);
            at::Tensor logp;
            if (keep) {
                logp = kept.narrow(0, s, c);
            } else {
                logp = zbuf.narrow(0, 0, c);
                chunk_logits(logp, h, weight, inv_t);
                logp.sub_(lse.narrow(0, s, c).unsqueeze(1));
            }
            auto a = ga.narrow(0, s, c).unsqueeze(1);                             // [c,1]
            auto g = pbuf.narrow(0, 0, c);
            at::exp_out(g, logp);                                                  // p
            if (gb.defined()) {
                // g = −p · (a + b (log p + H)); `logp` is scratch from here on (recomputed or no longer needed).
                auto b = gb.narrow(0, s, c).unsqueeze(1);
                auto hrow = ent.narrow(0, s, c).unsqueeze(1);
                at::Tensor t = keep ? tbuf.narrow(0, 0, c) : logp;
                at::add_out(t, logp, hrow);
                t.mul_(b).add_(a);
                g.mul_(t).neg_();
            } else {
                g.mul_(-a);
            }
            g.scatter_add_(1, targets.narrow(0, s, c).unsqueeze(1), a);            // + a at the target
            if (inv_t != 1.0) g.mul_(inv_t);
            auto gm = g.scalar_type() == weight.scalar_type() ? g : g.to(weight.scalar_type());
            if (need_h) {
                auto gh = grad_h.narrow(0, s, c);
                at::mm_out(gh, gm, weight);
            }
            if (need_w) {
                if (gm.scalar_type() == at::kFloat) grad_w.addmm_(gm.t(), h);
                else grad_w.add_(at::mm(gm.t(), h).to(at::kFloat));
            }
        }
        if (need_w && grad_w.scalar_type() != weight.scalar_type()) grad_w = grad_w.to(weight.scalar_type());
        return {grad_h, grad_w, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

/// hidden [N,H] (float/bf16/f16), weight [V,H] same dtype, targets [N] int64. Writes two new owned handles:
/// log-probs [N] and entropies [N] (fp32; entropies are zeros unless want_entropy), differentiable w.r.t.
/// hidden and weight. chunk_rows bounds the [rows, V] logits block; the log-probabilities are kept for the
/// backward when N·V·4 ≤ keep_budget_bytes, otherwise recomputed. Returns 0, or −1 with trl_last_error() set.
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
