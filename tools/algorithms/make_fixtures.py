#!/usr/bin/python3
"""Reference numbers for ToolRL.Algorithms, computed independently with python3-torch (float64).

Every function below re-derives the equation from its source (verl core_algos.py / torch_functional.py,
metric_utils.py), mostly with explicit Python loops so the
fixtures do not share the vectorised structure of the C# implementation.

Rerun:  /usr/bin/python3 tools/algorithms/make_fixtures.py
Writes: tests/ToolRL.Tests/Fixtures/algorithms/algorithms_fixtures.json
"""
import math

import torch

from fixture_common import DT, L, response_mask, write_fixture

torch.manual_seed(20261122)
# ---------------------------------------------------------------- masked helpers (torch_functional.py)
def masked_sum(x, m):
    s = 0.0
    for v, k in zip(x.flatten().tolist(), m.flatten().tolist()):
        s += v * k
    return s


def masked_mean(x, m):
    return masked_sum(x, m) / sum(m.flatten().tolist())


def masked_var(x, m, unbiased=True):
    mean = masked_mean(x, m)
    n = sum(m.flatten().tolist())
    ss = masked_sum((x - mean) ** 2, m)
    var = ss / n
    return var * n / (n - 1) if unbiased else var


def masked_whiten(x, m, shift_mean=True):
    mean, var = masked_mean(x, m), masked_var(x, m)
    w = (x - mean) / math.sqrt(var + 1e-8)
    return w if shift_mean else w + mean


def masked_cases():
    x = torch.randn(5, 6, dtype=DT)
    m = response_mask(5, 6)
    return {
        "values": L(x), "mask": L(m),
        "sum": masked_sum(x, m), "mean": masked_mean(x, m),
        "var_unbiased": masked_var(x, m), "var_biased": masked_var(x, m, unbiased=False),
        "whiten": L(masked_whiten(x, m)), "whiten_no_shift": L(masked_whiten(x, m, shift_mean=False)),
    }


# ---------------------------------------------------------------- outcome reward placement (naive.py:100)
def place_outcome(scores, m):
    out = torch.zeros_like(m)
    for i in range(m.shape[0]):
        idx = [t for t in range(m.shape[1]) if m[i, t] > 0]
        if idx:
            out[i, idx[-1]] = scores[i]
    return out


# ---------------------------------------------------------------- GRPO (core_algos.py:266-330)
def grpo(token_rewards, m, groups, eps, norm_by_std):
    scores = [float(sum(token_rewards[i].tolist())) for i in range(m.shape[0])]
    adv = torch.zeros_like(m)
    for g in sorted(set(groups)):
        members = [i for i, x in enumerate(groups) if x == g]
        if len(members) == 1:
            a = {members[0]: 0.0}  # group of one: zero advantage (issue 7; verl would give the raw score)
        else:
            vals = [scores[i] for i in members]
            mean = sum(vals) / len(vals)
            std = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
            a = {i: (scores[i] - mean) / (std + eps) if norm_by_std else scores[i] - mean for i in members}
        for i, v in a.items():
            adv[i] = v * m[i]
    return adv


def grpo_cases():
    cases = []
    m = response_mask(7, 5, hole=None)
    m[6] = 0
    m[6, 0] = 1
    groups = [0, 0, 0, 0, 1, 1, 2]  # a group of 4, a group of 2, a singleton
    scores = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.5, -1.5, 2.0], dtype=DT)
    tr = place_outcome(scores, m)
    for norm in (True, False):
        cases.append({"token_rewards": L(tr), "mask": L(m), "groups": groups, "epsilon": 1e-6, "norm_by_std": norm,
                      "advantages": L(grpo(tr, m, groups, 1e-6, norm))})
    # random rewards spread over tokens (KL folded in), non-contiguous groups
    m2 = response_mask(8, 6)
    m2[7, 0] = 1
    tr2 = torch.randn(8, 6, dtype=DT) * m2
    groups2 = [3, 1, 3, 1, 3, 1, 3, 1]
    cases.append({"token_rewards": L(tr2), "mask": L(m2), "groups": groups2, "epsilon": 1e-6, "norm_by_std": True,
                  "advantages": L(grpo(tr2, m2, groups2, 1e-6, True))})
    # all-equal group -> exactly zero
    m3 = torch.ones(4, 3, dtype=DT)
    tr3 = place_outcome(torch.full((4,), 0.7, dtype=DT), m3)
    cases.append({"token_rewards": L(tr3), "mask": L(m3), "groups": [0, 0, 0, 0], "epsilon": 1e-6, "norm_by_std": True,
                  "advantages": L(grpo(tr3, m3, [0, 0, 0, 0], 1e-6, True))})
    return cases


def placement_cases():
    m = response_mask(5, 6)
    m[4] = 0
    scores = torch.randn(5, dtype=DT)
    return {"scores": L(scores), "mask": L(m), "token_rewards": L(place_outcome(scores, m))}


# ---------------------------------------------------------------- GAE (core_algos.py:214-262)
def gae(rewards, values, m, gamma, lam):
    b, t_len = rewards.shape
    adv = torch.zeros_like(rewards)
    for i in range(b):
        nextvalue, lastgaelam = 0.0, 0.0
        for t in reversed(range(t_len)):
            r, v, k = float(rewards[i, t]), float(values[i, t]), float(m[i, t])
            delta = r + gamma * nextvalue - v
            candidate = delta + gamma * lam * lastgaelam
            nextvalue = v * k + (1 - k) * nextvalue
            lastgaelam = candidate * k + (1 - k) * lastgaelam
            adv[i, t] = lastgaelam
    returns = adv + values
    return adv, returns


def gae_cases():
    cases = []
    for gamma, lam in ((1.0, 1.0), (0.99, 0.95), (0.9, 0.0)):
        m = response_mask(4, 7)
        rewards = torch.randn(4, 7, dtype=DT) * 0.1 * m
        values = torch.randn(4, 7, dtype=DT) * m
        adv, ret = gae(rewards, values, m, gamma, lam)
        cases.append({"rewards": L(rewards), "values": L(values), "mask": L(m), "gamma": gamma, "lam": lam,
                      "advantages_raw": L(adv), "returns": L(ret), "advantages_whitened": L(masked_whiten(adv, m) * m)})
    return cases


# ---------------------------------------------------------------- loss aggregation (core_algos.py:1025-1080)
def agg(loss, m, mode, n_tokens, n_seqs, scale):
    b = loss.shape[0]
    if mode == "token-mean":
        return masked_sum(loss, m) / n_tokens
    if mode == "seq-mean-token-sum":
        return sum(masked_sum(loss[i], m[i]) for i in range(b)) / n_seqs
    if mode == "seq-mean-token-mean":
        return sum(masked_sum(loss[i], m[i]) / sum(m[i].tolist()) for i in range(b) if sum(m[i].tolist()) > 0) / n_seqs
    if mode == "seq-mean-token-sum-norm":
        return masked_sum(loss, m) / (n_seqs * scale)
    raise ValueError(mode)


MODES = ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"]


def counts(m):
    return sum(m.flatten().tolist()), sum(1 for i in range(m.shape[0]) if sum(m[i].tolist()) > 0)


def agg_cases():
    m = response_mask(6, 5)
    m[5] = 0  # an empty row counts as no sequence
    loss = torch.randn(6, 5, dtype=DT)
    n_tok, n_seq = counts(m)
    scale = 5.0
    return {"loss": L(loss), "mask": L(m), "scale": scale, "micro_batches": [[0, 2], [2, 4], [4, 6]],
            "token_count": n_tok, "sequence_count": n_seq,
            "results": {mode: agg(loss, m, mode, n_tok, n_seq, scale) for mode in MODES}}


# ---------------------------------------------------------------- policy loss (core_algos.py:1159-1250)
def policy_loss(old, new, adv, m, low, high, c, mode, n_tok, n_seq, scale):
    b, t_len = old.shape
    per_token = torch.zeros_like(old)
    clipped = torch.zeros_like(old)
    lower = torch.zeros_like(old)
    neg_log_ratio = torch.zeros_like(old)
    for i in range(b):
        for t in range(t_len):
            lr = max(-20.0, min(20.0, float(new[i, t] - old[i, t])))
            ratio = math.exp(lr)
            a = float(adv[i, t])
            l1 = -a * ratio
            l2 = -a * max(1 - low, min(1 + high, ratio))
            lclip = max(l1, l2)
            clipped[i, t] = 1.0 if l2 > l1 else 0.0
            if a < 0:
                l3 = -a * c
                lower[i, t] = 1.0 if lclip > l3 else 0.0
                per_token[i, t] = min(l3, lclip)
            else:
                per_token[i, t] = lclip
            neg_log_ratio[i, t] = -lr
    return {"pg_loss": agg(per_token, m, mode, n_tok, n_seq, scale), "pg_clipfrac": masked_mean(clipped, m),
            "pg_clipfrac_lower": masked_mean(lower, m), "ppo_kl": masked_mean(neg_log_ratio, m)}


def policy_cases():
    cases = []
    for low, high, mode in ((0.2, 0.2, "token-mean"), (0.2, 0.28, "seq-mean-token-mean"), (0.1, 0.1, "seq-mean-token-sum-norm")):
        m = response_mask(5, 6)
        old = -torch.rand(5, 6, dtype=DT) * 3
        new = old + torch.randn(5, 6, dtype=DT) * 0.6
        new[0, 0] = old[0, 0] + 30.0  # exercises the ±20 log-ratio clamp
        adv = torch.randn(5, 1, dtype=DT).expand(5, 6).clone() * 2
        adv[1] = torch.randn(6, dtype=DT) * 3  # token-varying advantages
        adv[2] = -adv[2].abs() - 0.1  # negative advantage with ratio > c: dual clip
        new[2, :3] = old[2, :3] + 1.5
        n_tok, n_seq = counts(m)
        cases.append({"old_log_probs": L(old), "log_probs": L(new), "advantages": L(adv), "mask": L(m),
                      "clip_ratio_low": low, "clip_ratio_high": high, "clip_ratio_c": 3.0, "loss_agg_mode": mode,
                      "scale": 6.0, **policy_loss(old, new, adv, m, low, high, 3.0, mode, n_tok, n_seq, 6.0)})
    return cases


# ---------------------------------------------------------------- KL (core_algos.py:1867-1902) and controllers (152-211)
def kl_one(lp, ref, kind):
    d = lp - ref
    if kind == "kl":
        return d
    if kind == "abs":
        return abs(d)
    if kind == "mse":
        return 0.5 * d * d
    if kind == "low_var_kl":
        k = max(-20.0, min(20.0, ref - lp))
        return max(-10.0, min(10.0, math.exp(k) - k - 1))
    raise ValueError(kind)


def kl_cases():
    lp = -torch.rand(4, 5, dtype=DT) * 4
    ref = lp + torch.randn(4, 5, dtype=DT)
    ref[0, 0] = lp[0, 0] + 25.0  # k3 clamps
    ref[0, 1] = lp[0, 1] - 25.0
    out = {"log_probs": L(lp), "ref_log_probs": L(ref)}
    for kind in ("kl", "abs", "mse", "low_var_kl"):
        out[kind] = [[kl_one(float(lp[i, t]), float(ref[i, t]), kind) for t in range(5)] for i in range(4)]
    return out


def kl_reward_case():
    m = response_mask(4, 6)
    scores = place_outcome(torch.randn(4, dtype=DT), m)
    old = -torch.rand(4, 6, dtype=DT) * 2
    ref = old + torch.randn(4, 6, dtype=DT) * 0.3
    beta = 0.05
    kld = torch.tensor([[kl_one(float(old[i, t]), float(ref[i, t]), "kl") * float(m[i, t]) for t in range(6)] for i in range(4)], dtype=DT)
    rewards = scores - beta * kld
    per_seq = [masked_sum(kld[i], m[i]) / sum(m[i].tolist()) for i in range(4)]
    current = sum(per_seq) / 4
    # adaptive controller, target 0.1, horizon 10000, n_steps = batch size 4, then a second update
    coef = beta
    history = []
    for kl_value, n in ((current, 4), (0.5, 512), (0.0, 512)):
        err = max(-0.2, min(0.2, kl_value / 0.1 - 1))
        coef *= 1 + err * n / 10000
        history.append({"current_kl": kl_value, "n_steps": n, "coef": coef})
    return {"token_level_scores": L(scores), "old_log_probs": L(old), "ref_log_probs": L(ref), "mask": L(m), "beta": beta,
            "token_level_rewards": L(rewards), "current_kl": current, "target_kl": 0.1, "horizon": 10000,
            "adaptive_updates": history}


# ---------------------------------------------------------------- entropy (torch_functional.py:224-238) and log-probs
def entropy_case():
    logits = torch.randn(3, 4, 7, dtype=DT) * 2
    ids = torch.randint(0, 7, (3, 4))
    ent = torch.zeros(3, 4, dtype=DT)
    lps = torch.zeros(3, 4, dtype=DT)
    lps_t = torch.zeros(3, 4, dtype=DT)
    for i in range(3):
        for t in range(4):
            z = logits[i, t].tolist()
            mx = max(z)
            lse = mx + math.log(sum(math.exp(v - mx) for v in z))
            p = [math.exp(v - lse) for v in z]
            ent[i, t] = lse - sum(pi * zi for pi, zi in zip(p, z))
            lps[i, t] = z[int(ids[i, t])] - lse
            zt = [v / 0.7 for v in z]
            mt = max(zt)
            lse_t = mt + math.log(sum(math.exp(v - mt) for v in zt))
            lps_t[i, t] = zt[int(ids[i, t])] - lse_t
    return {"logits": L(logits), "token_ids": ids.tolist(), "entropy": L(ent), "log_probs": L(lps),
            "temperature": 0.7, "log_probs_at_temperature": L(lps_t)}


# ---------------------------------------------------------------- value loss (core_algos.py:1799-1838), explained variance
def value_cases():
    cases = []
    for clip, mode in ((0.5, "token-mean"), (0.2, "seq-mean-token-mean")):
        m = response_mask(4, 6)
        old_v = torch.randn(4, 6, dtype=DT)
        vpred = old_v + torch.randn(4, 6, dtype=DT) * 0.8
        ret = old_v + torch.randn(4, 6, dtype=DT)
        l1 = (vpred - ret) ** 2
        vclip = torch.max(torch.min(vpred, old_v + clip), old_v - clip)
        l2 = (vclip - ret) ** 2
        per = torch.max(l1, l2)
        n_tok, n_seq = counts(m)
        cases.append({"vpreds": L(vpred), "values": L(old_v), "returns": L(ret), "mask": L(m), "cliprange_value": clip,
                      "loss_agg_mode": mode, "vf_loss": 0.5 * agg(per, m, mode, n_tok, n_seq, 6.0),
                      "vf_clipfrac": masked_mean((l2 > l1).to(DT), m)})
    return cases


def explained_variance_case():
    m = response_mask(4, 6)
    ret = torch.randn(4, 6, dtype=DT)
    val = ret * 0.8 + torch.randn(4, 6, dtype=DT) * 0.3
    rs = [float(ret[i, t]) for i in range(4) for t in range(6) if m[i, t] > 0]
    vs = [float(val[i, t]) for i in range(4) for t in range(6) if m[i, t] > 0]

    def var(xs):
        mu = sum(xs) / len(xs)
        return sum((x - mu) ** 2 for x in xs) / (len(xs) - 1)
    ev = 1 - var([r - v for r, v in zip(rs, vs)]) / (var(rs) + 1e-5)
    return {"returns": L(ret), "values": L(val), "mask": L(m), "explained_variance": ev}


def main():
    fixtures = {
        "generator": "tools/algorithms/make_fixtures.py (python3-torch %s, float64, seed 20261122)" % torch.__version__,
        "masked": masked_cases(),
        "outcome_placement": placement_cases(),
        "grpo": grpo_cases(),
        "gae": gae_cases(),
        "aggregation": agg_cases(),
        "policy_loss": policy_cases(),
        "kl": kl_cases(),
        "kl_in_reward": kl_reward_case(),
        "entropy": entropy_case(),
        "value_loss": value_cases(),
        "explained_variance": explained_variance_case(),
    }
    write_fixture("algorithms_fixtures.json", fixtures, indent=1)


if __name__ == "__main__":
    main()
