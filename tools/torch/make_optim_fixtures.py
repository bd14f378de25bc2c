#!/usr/bin/python3
"""Generates tests/ToolRL.Torch.Tests/Fixtures/optim.json with python3-torch as the reference:
20 steps of torch.optim.AdamW on a small least-squares problem (parameters after every step),
torch.nn.utils.clip_grad_norm_ (total norm and clipped gradients), and the exact float32 bits of a 20,003-element
parameter after 3 AdamW steps with gradients given by a formula (for the fused kernel's vector body). Rerun:
/usr/bin/python3 tools/torch/make_optim_fixtures.py"""
import base64, json, os
import torch

torch.manual_seed(7)

def flat(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]

# AdamW: minimise mean((x @ w.T + b - y)^2) + 0.1 * sum(w^2)
x = torch.randn(6, 4)
y = torch.randn(6, 3)
w0 = torch.randn(3, 4)
b0 = torch.randn(3)
w = w0.clone().requires_grad_(True)
b = b0.clone().requires_grad_(True)
hyper = dict(lr=0.05, betas=(0.8, 0.95), eps=1e-7, weight_decay=0.1)
opt = torch.optim.AdamW([w, b], **hyper)
steps = []
for step in range(20):
    opt.zero_grad()
    loss = ((x @ w.T + b - y) ** 2).mean() + 0.1 * (w ** 2).sum()
    loss.backward()
    opt.step()
    steps.append({"loss": float(loss), "w": flat(w), "b": flat(b)})
adamw = {"x": flat(x), "y": flat(y), "w0": flat(w0), "b0": flat(b0), "lr": hyper["lr"], "beta1": 0.8,
         "beta2": 0.95, "eps": hyper["eps"], "weight_decay": hyper["weight_decay"], "steps": steps}

# Clipping: three gradients with a known total norm, clipped to max_norm = 1.5 (and a no-op case).
grads = [torch.randn(3, 4) * 2, torch.randn(5), torch.randn(2, 2, 2)]
def clip(max_norm, norm_type):
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    return {"max_norm": max_norm, "norm_type": norm_type, "total": float(total), "clipped": [flat(p.grad) for p in ps]}
clipping = {"grads": [{"shape": list(g.shape), "data": flat(g)} for g in grads],
            "cases": [clip(1.5, 2.0), clip(1000.0, 2.0), clip(0.5, 1.0)]}

# AdamW bits: p0[i] and the step-t gradient g_t[i] are small rationals, exact in float32 from the same formula in C#.
n = 20003
idx = torch.arange(n, dtype=torch.float64)
p = (((idx * 7919) % 2001 - 1000) / 1000).float().requires_grad_(True)
bits_hyper = dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
bits_opt = torch.optim.AdamW([p], **bits_hyper)
for t in range(1, 4):
    p.grad = (((idx * 104729 + t * 15485863) % 4001 - 2000) / 1000).float()
    bits_opt.step()
adamw_bits = {"n": n, "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1, "steps": 3,
              "p_float32_base64": base64.b64encode(p.detach().numpy().astype("<f4").tobytes()).decode()}

out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "ToolRL.Torch.Tests", "Fixtures", "optim.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "adamw": adamw, "clip": clipping, "adamw_bits": adamw_bits}, f, separators=(",", ":"))
print(f"wrote {os.path.normpath(out)}")
