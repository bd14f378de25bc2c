#!/usr/bin/python3
"""Reference numbers for the RLOO and REINFORCE++ advantage estimators, computed with python3-torch (float64).

Each estimator is re-derived from its paper and from how verl computes it (verl/trainer/ppo/core_algos.py:
compute_rloo_outcome_advantage, compute_reinforce_plus_plus_outcome_advantage,
compute_reinforce_plus_plus_baseline_outcome_advantage), written here with explicit loops so the fixtures do not
share the structure of the C# implementation:

- RLOO (Ahmadian et al. 2024, arXiv:2402.14740; Kool et al. 2019): score s_i = sum_t r_i,t; in a group of n > 1,
  A_i = s_i - mean_{j != i} s_j = n/(n-1) * (s_i - mean_g); a group of one keeps its raw score (verl).
- REINFORCE++-baseline (Hu 2025, arXiv:2501.03262): A_i = s_i - mean_g (a group of one: mean 0), broadcast over
  the response, then whitened over every valid token of the batch (unbiased variance, eps 1e-8).
- REINFORCE++ (same paper): G_t = r_t + gamma * G_{t+1}, the running return reset to 0 at masked positions;
  advantages = whiten(G) over valid tokens, returns = G.

Rerun:  /usr/bin/python3 tools/algorithms/make_estimator_fixtures.py
Writes: tests/ToolRL.Tests/Fixtures/algorithms/estimator_fixtures.json
"""
import math

import torch

from fixture_common import DT, L, response_mask, write_fixture

torch.manual_seed(20261207)
def outcome_rewards(mask):
    """A score on each row's last valid token (as the trainer places them)."""
    r = torch.zeros_like(mask)
    for i in range(mask.shape[0]):
        valid = [t for t in range(mask.shape[1]) if mask[i, t] == 1]
        r[i, valid[-1]] = float(torch.randn(1, dtype=DT))
    return r


def whiten(x, m):
    """(x - mean) / sqrt(var + 1e-8) over the valid tokens, unbiased variance."""
    vals = [x[i, t].item() for i in range(x.shape[0]) for t in range(x.shape[1]) if m[i, t] == 1]
    n = len(vals)
    mean = sum(vals) / n
    var = sum((v - mean) ** 2 for v in vals) / n * n / (n - 1)
    return (x - mean) / math.sqrt(var + 1e-8)


def groups_of(index):
    g = {}
    for i, k in enumerate(index):
        g.setdefault(k, []).append(i)
    return g


def rloo(r, m, index):
    scores = [sum(r[i].tolist()) for i in range(r.shape[0])]
    adv = list(scores)
    for members in groups_of(index).values():
        n = len(members)
        if n == 1:
            continue
        for i in members:
            others = [scores[j] for j in members if j != i]
            adv[i] = scores[i] - sum(others) / (n - 1)
    a = torch.tensor(adv, dtype=DT).unsqueeze(-1) * m
    return a


def reinforce_pp_baseline(r, m, index):
    scores = [sum(r[i].tolist()) for i in range(r.shape[0])]
    adv = list(scores)
    for members in groups_of(index).values():
        mean = sum(scores[i] for i in members) / len(members) if len(members) > 1 else 0.0
        for i in members:
            adv[i] = scores[i] - mean
    a = torch.tensor(adv, dtype=DT).unsqueeze(-1).repeat(1, r.shape[1]) * m
    return whiten(a, m) * m


def reinforce_pp(r, m, gamma):
    returns = torch.zeros_like(r)
    for i in range(r.shape[0]):
        running = 0.0
        for t in reversed(range(r.shape[1])):
            running = r[i, t].item() + gamma * running
            returns[i, t] = running
            running = running * m[i, t].item()
    return whiten(returns, m) * m, returns


def main():
    cases = []
    # Groups of 4, 3, 2 and a group of one, shuffled; gamma 1 and 0.9.
    index = [0, 1, 0, 2, 1, 0, 3, 2, 1, 0]
    for gamma in (1.0, 0.9):
        m = response_mask(len(index), 8, hole=(2, 4))
        r = outcome_rewards(m)
        if gamma != 1.0:
            # Per-token (per-turn) rewards too, so discounting matters.
            r = r + torch.randn_like(r) * m * 0.3
        a_pp, g_pp = reinforce_pp(r, m, gamma)
        cases.append({
            "token_level_rewards": L(r), "response_mask": L(m), "index": index, "gamma": gamma,
            "rloo": L(rloo(r, m, index)),
            "reinforce_plus_plus_baseline": L(reinforce_pp_baseline(r, m, index)),
            "reinforce_plus_plus": L(a_pp), "reinforce_plus_plus_returns": L(g_pp),
        })
    write_fixture("estimator_fixtures.json", {"cases": cases})


if __name__ == "__main__":
    main()
