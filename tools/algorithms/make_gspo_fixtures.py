#!/usr/bin/python3
"""Reference numbers for GspoPolicyLoss (the `gspo` policy loss), computed independently with python3-torch (float64).

GSPO (Zheng et al. 2025, arXiv:2507.18071, eq. 5-7; verl core_algos.py compute_policy_loss_gspo): the importance
ratio of a response is the length-normalised sequence ratio s_i = exp(mean_t (logp - old)); each token carries the
value s_i with the gradient of its own logp (s_i,t = sg[s_i] * pi / sg[pi]); the clipped surrogate is taken per
token and aggregated seq-mean-token-mean. The loss and the metrics are written out with per-sequence Python loops;
the gradient with respect to logp is autograd's on that loop-built graph (the stop-gradients written as detach()).

Rerun:  /usr/bin/python3 tools/algorithms/make_gspo_fixtures.py
Writes: tests/ToolRL.Tests/Fixtures/algorithms/gspo_fixtures.json
"""

import torch

from fixture_common import DT, write_fixture

torch.manual_seed(20261207)


def gspo(old, new, adv, mask, low, high):
    b, t_len = old.shape
    new = new.clone().requires_grad_(True)
    row_losses, clipped, neg_log_ratio, counted = [], 0.0, 0.0, 0.0
    for i in range(b):
        valid = [t for t in range(t_len) if mask[i, t] > 0]
        n = max(1, len(valid))
        log_s = sum((new[i, t] - old[i, t] for t in valid), torch.zeros((), dtype=DT)) / n
        token_losses = []
        for t in valid:
            log_st = torch.clamp(log_s.detach() + new[i, t] - new[i, t].detach(), max=10.0)
            s = torch.exp(log_st)
            a = adv[i, t]
            l1 = -a * s
            l2 = -a * torch.clamp(s, 1 - low, 1 + high)
            token_losses.append(torch.maximum(l1, l2))
            clipped += 1.0 if float(l2) > float(l1) else 0.0
            neg_log_ratio += float(old[i, t] - new[i, t])
            counted += 1
        if valid:
            row_losses.append(sum(token_losses) / len(valid))
    loss = sum(row_losses) / len(row_losses)
    loss.backward()
    return {"pg_loss": float(loss), "pg_clipfrac": clipped / counted, "ppo_kl": neg_log_ratio / counted,
            "grad_log_probs": new.grad.tolist()}


def case(low, high, spread, seed_shift, blowup):
    b, t_len = 6, 7
    mask = torch.zeros(b, t_len, dtype=DT)
    for i in range(b):
        mask[i, :int(torch.randint(2, t_len + 1, (1,)))] = 1
    mask[4, 1:3] = 0          # a hole (tool tokens of a multi-turn response)
    mask[5] = 0               # an empty row: no sequence
    old = -torch.rand(b, t_len, dtype=DT) * 3
    new = old + torch.randn(b, t_len, dtype=DT) * spread
    if blowup:
        new[3, :2] = old[3, :2] + 25.0   # a sequence log-ratio beyond 10: the clamp
    adv = (torch.randn(b, 1, dtype=DT) * 1.5 + seed_shift).expand(b, t_len).clone()
    adv[1] = -adv[1].abs() - 0.2     # a negative advantage
    if spread > 0:                   # a positive advantage whose sequence ratio is above 1 + eps_high: clipped
        new[0] = old[0] + 2 * high
        adv[0] = adv[0].abs() + 0.1
    return {"old_log_probs": old.tolist(), "log_probs": new.tolist(), "advantages": adv.tolist(), "mask": mask.tolist(),
            "clip_ratio_low": low, "clip_ratio_high": high, **gspo(old, new, adv, mask, low, high)}


# clip-higher with the clamp; the paper's tiny epsilons; on-policy (ratio 1: the loss is -mean of the sequence means of A)
cases = [case(0.2, 0.28, 0.3, 0.0, True), case(3e-4, 4e-4, 0.05, 0.3, False), case(0.1, 0.1, 0.0, -0.2, False)]
write_fixture("gspo_fixtures.json", {"gspo": cases}, indent=1)
