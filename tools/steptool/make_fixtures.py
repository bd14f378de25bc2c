#!/usr/bin/python3
"""Reference numbers for StepTool's step-grained PPO (arXiv 2410.07745, code yuyq18/StepTool), python3-torch, float64.

Everything here is re-derived from the equations StepTool's released code runs (step_ppotrainer.py and the
trl-0.10.1 PPOTrainer it subclasses), written as explicit loops so the fixtures share no structure with the C#:

- Reward placement (compute_rewards): reward_t = -beta * (logp_t - ref_logp_t) on every log-prob position; then the
  T step scores are matched to the mask-1 segments from the end, and step i adds score_i * (T - 1 - i) on the last
  position of its segment ("reference" weighting; "uniform" adds score_i).
- GAE as trl-0.10.1 compute_advantages: values and rewards multiplied by the mask, the backward recursion
  delta_t = r_t + gamma * V_{t+1} - V_t, A_t = delta_t + gamma * lam * A_{t+1} over every position (masked positions
  decay, they are not skipped), returns = A + V, then A whitened over mask-1 positions (unbiased variance, 1e-8).
- The KL statistic that drives the controller: mean over the batch of sum_t kl_t * mask_t.
- The adaptive KL controller (Ziegler et al. 2019; trl utils.py AdaptiveKLController):
  e = clip(KL / target - 1, -0.2, 0.2); beta <- beta * (1 + e * n / horizon), with n = batch_size.
- Turn-level reward-to-go with a leave-one-out group baseline (docs: per-turn returns G_k = sum_{j>=k} g^(j-k) r_j;
  A_{i,k} = (G_{i,k} - mean_{j != i} G_{j,0}) / (std_g G_{.,0} + eps)).
- A StepTool-format TSV written by Python's csv module (delimiter tab, QUOTE_MINIMAL) with str(list) cells, the way
  pandas' to_csv writes the authors' files, plus what a reader must return for it.

Rerun:  /usr/bin/python3 tools/steptool/make_fixtures.py
Writes: tests/ToolRL.Tests/Fixtures/steptool/steptool_fixtures.json and tiny_step_grained.tsv
"""
import csv
import json
import math
import os

import torch

torch.manual_seed(20261207)
DT = torch.float64
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "..", "tests", "ToolRL.Tests", "Fixtures", "steptool")


def L(t):
    return t.to(DT).tolist()


def step_masks(batch, length):
    """Masks laid out as StepTool's frag_mask: prompt fragments (0) and step outputs (1), then right padding.
    Returns (mask, steps per row)."""
    mask = torch.zeros(batch, length, dtype=DT)
    steps = []
    for i in range(batch):
        t = 0
        n_steps = 0
        end = length - int(torch.randint(0, 4, (1,)))  # some right padding
        while True:
            prompt = int(torch.randint(1, 4, (1,)))
            out = int(torch.randint(1, 5, (1,)))
            if t + prompt + out > end:
                break
            mask[i, t + prompt:t + prompt + out] = 1
            t += prompt + out
            n_steps += 1
        steps.append(n_steps)
    return mask, steps


def place_rewards(score, logprob, ref_logprob, mask, beta, weighting):
    """step_ppotrainer.py compute_rewards, one row."""
    kl = logprob - ref_logprob
    reward = -beta * kl
    reward = reward.clone()
    m = mask.clone()
    T = len(score)
    for i in reversed(range(T)):
        ones = [k for k in range(len(m)) if m[k] == 1]
        if not ones:
            break
        j = ones[-1]
        w = (T - 1 - i) if weighting == "reference" else 1
        reward[j] += score[i] * w
        m = m[:j + 1]
        zeros = [k for k in range(len(m)) if m[k] == 0]
        if not zeros:
            break
        m = m[:zeros[-1] + 1]
    return reward


def masked_whiten(x, m):
    n = m.sum().item()
    mean = (x * m).sum().item() / n
    var = (((x - mean) ** 2) * m).sum().item() / n * n / (n - 1)
    return (x - mean) / math.sqrt(var + 1e-8)


def trl_gae(values, rewards, mask, gamma, lam):
    values = values * mask
    rewards = rewards * mask
    B, T = rewards.shape
    adv = torch.zeros_like(rewards)
    for i in range(B):
        last = 0.0
        for t in reversed(range(T)):
            nextv = values[i, t + 1].item() if t < T - 1 else 0.0
            delta = rewards[i, t].item() + gamma * nextv - values[i, t].item()
            last = delta + gamma * lam * last
            adv[i, t] = last
    returns = adv + values
    return masked_whiten(adv, mask) * mask, returns


def adaptive_kl(init, target, horizon, n, kls):
    beta = init
    out = []
    for kl in kls:
        e = min(max(kl / target - 1, -0.2), 0.2)
        beta = beta * (1 + e * n / horizon)
        out.append(beta)
    return out


def segments(mask_row):
    segs, start = [], None
    for t, v in enumerate(mask_row):
        if v == 1 and start is None:
            start = t
        if v != 1 and start is not None:
            segs.append((start, t - 1))
            start = None
    if start is not None:
        segs.append((start, len(mask_row) - 1))
    return segs


def turn_reward_to_go(rewards, mask, groups, gamma, eps):
    """Per-turn returns with a leave-one-out baseline from the shared start state."""
    B = rewards.shape[0]
    G = []
    for i in range(B):
        r = [sum(rewards[i, s:e + 1].tolist()[k] * mask[i, s + k].item() for k in range(e - s + 1))
             for (s, e) in segments(mask[i].tolist())]
        g, run = [0.0] * len(r), 0.0
        for k in reversed(range(len(r))):
            run = r[k] + gamma * run
            g[k] = run
        G.append(g)
    adv = torch.zeros_like(rewards)
    for i in range(B):
        members = [j for j in range(B) if groups[j] == groups[i]]
        if len(members) == 1:
            continue
        starts = [G[j][0] if G[j] else 0.0 for j in members]
        mean = sum(starts) / len(starts)
        std = math.sqrt(sum((s - mean) ** 2 for s in starts) / (len(starts) - 1))
        others = [G[j][0] if G[j] else 0.0 for j in members if j != i]
        b = sum(others) / len(others)
        for k, (s, e) in enumerate(segments(mask[i].tolist())):
            for t in range(s, e + 1):
                adv[i, t] = (G[i][k] - b) / (std + eps)
    return adv


def write_tsv(path):
    rows = [
        (["<|im_start|>system\nYou are a helper.<|im_end|>\n<|im_start|>user\nIt's \"quoted\"\tand tabbed<|im_end|>\n<|im_start|>assistant\n",
          "<|im_start|>function\n{\"error\": \"\", \"response\": \"ok\\\\path\"}<|im_end|>\n<|im_start|>assistant\n"],
         ["Thought: look it up\nAction: lookup\nAction Input: {\"q\": \"don't\"}<|im_end|>\n",
          "Action: Finish\nAction Input: {\"final_answer\": \"caf\u00e9 \u2014 done\"}<|im_end|>\n"],
         [0.9666666666666668, 1.0]),
        (["<|im_start|>user\nplain<|im_end|>\n<|im_start|>assistant\n"],
         ["Action: Finish<|im_end|>\n"],
         [0.5]),
        (["a", "b\\c", "'single'", "\"double\""],
         ["1", "2", "3", ""],
         [0.0, 1e-05, 0.25, 1.0]),
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["prompt", "response", "reward"])
        for p, r, s in rows:
            w.writerow([str(p), str(r), str(s)])
    return [{"prompt": p, "response": r, "reward": [float(x) for x in s]} for p, r, s in rows]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    B, T = 6, 24
    mask, steps = step_masks(B, T)
    scores = [[round(float(torch.rand(1)), 4) for _ in range(n)] for n in steps]
    # A row whose leading steps were cut off by left truncation: more scores than segments.
    scores[0] = [0.3] * 2 + scores[0]
    logp = -torch.rand(B, T, dtype=DT) * 3
    ref = logp + torch.randn(B, T, dtype=DT) * 0.2
    values = torch.randn(B, T, dtype=DT)
    beta = 0.3
    cases = {}
    for weighting in ("reference", "uniform"):
        rewards = torch.stack([place_rewards(scores[i], logp[i], ref[i], mask[i], beta, weighting) for i in range(B)])
        placed = torch.stack([place_rewards(scores[i], logp[i], logp[i], mask[i], 0.0, weighting) for i in range(B)])
        adv, ret = trl_gae(values, rewards, mask, 0.99, 0.95)
        cases[weighting] = {"rewards": L(rewards), "placed": L(placed), "advantages": L(adv), "returns": L(ret)}
    kl_stat = ((logp - ref) * mask).sum(-1).mean().item()
    kls = [0.5, 3.0, 6.0, 9.0, 12.0, 20.0, 1.0, 0.0, 7.5, 6.6]
    groups = [0, 0, 0, 1, 1, 2]
    turn_rewards = torch.zeros(B, T, dtype=DT)
    for i in range(B):
        for (s, e) in segments(mask[i].tolist()):
            turn_rewards[i, e] = round(float(torch.rand(1)), 3)
    fixtures = {
        "mask": L(mask), "scores": scores, "logprobs": L(logp), "ref_logprobs": L(ref), "values": L(values),
        "beta": beta, "gamma": 0.99, "lam": 0.95, "cases": cases, "kl_statistic": kl_stat,
        "adaptive_kl": {"init": 0.3, "target": 6.0, "horizon": 10000.0, "n": 8, "kls": kls,
                        "betas": adaptive_kl(0.3, 6.0, 10000.0, 8, kls),
                        "betas_short_horizon": adaptive_kl(0.3, 6.0, 40.0, 8, kls)},
        "turn_rtg": {"rewards": L(turn_rewards), "groups": groups, "gamma": 0.9, "eps": 1e-6,
                     "advantages": L(turn_reward_to_go(turn_rewards, mask, groups, 0.9, 1e-6))},
        "tsv_rows": write_tsv(os.path.join(OUT_DIR, "tiny_step_grained.tsv")),
    }
    with open(os.path.join(OUT_DIR, "steptool_fixtures.json"), "w") as f:
        json.dump(fixtures, f)
        f.write("\n")


if __name__ == "__main__":
    main()
