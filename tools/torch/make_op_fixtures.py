#!/usr/bin/python3
"""Generates tests/ToolRL.Torch.Tests/Fixtures/ops.json: values AND gradients of every op the binding
exposes, computed by python3-torch (the independent reference). Rerun: /usr/bin/python3 tools/torch/make_op_fixtures.py

Each case: named inputs (shape, dtype, data), the output, and for differentiable cases the gradient of
sum(output * upstream) with respect to each float input (upstream is a fixed random tensor, so gradients
are not trivially ones)."""
import json, math, os, sys
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
cases = []

def t(*shape, lo=-2.0, hi=2.0):
    return (torch.rand(*shape, dtype=torch.float64) * (hi - lo) + lo).float()

def enc(x):
    x = x.detach()
    dtype = {torch.float32: "f32", torch.int64: "i64", torch.bool: "bool", torch.float64: "f64"}[x.dtype]
    data = x.reshape(-1).tolist()
    if dtype in ("f32", "f64"):
        data = [float("%.9g" % v) if math.isfinite(v) else str(v) for v in data]
    if dtype == "bool":
        data = [1 if v else 0 for v in data]
    return {"shape": list(x.shape), "dtype": dtype, "data": data}

def case(name, fn, grad=True, **inputs):
    leaves = {}
    for k, v in inputs.items():
        v = v.clone()
        if grad and v.dtype == torch.float32:
            v.requires_grad_(True)
        leaves[k] = v
    out = fn(**leaves)
    outs = list(out) if isinstance(out, tuple) else [out]
    entry = {"name": name, "inputs": {k: enc(v) for k, v in inputs.items()}, "outputs": [enc(o) for o in outs]}
    if grad:
        o = outs[0]
        upstream = t(*o.shape) if o.dim() > 0 else torch.tensor(1.3)
        (o * upstream).sum().backward()
        entry["upstream"] = enc(upstream)
        entry["grads"] = {k: enc(v.grad) for k, v in leaves.items() if v.requires_grad and v.grad is not None}
    cases.append(entry)

a, b = t(3, 4), t(3, 4)
pos = t(3, 4, lo=0.2, hi=3.0)
row = t(4)
case("add", lambda a, b: a + b, a=a, b=b)
case("add_alpha", lambda a, b: torch.add(a, b, alpha=2.5), a=a, b=b)
case("sub", lambda a, b: a - b, a=a, b=b)
case("mul_broadcast", lambda a, row: a * row, a=a, row=row)
case("div", lambda a, p: a / p, a=a, p=pos)
case("add_scalar", lambda a: a + 1.5, a=a)
case("rsub_scalar", lambda a: 2.0 - a, a=a)
case("rdiv_scalar", lambda p: 3.0 / p, p=pos)
case("mul_scalar", lambda a: a * -0.5, a=a)
case("pow_scalar", lambda p: p ** 2.5, p=pos)
case("exp", lambda a: a.exp(), a=a)
case("log", lambda p: p.log(), p=pos)
case("sqrt", lambda p: p.sqrt(), p=pos)
case("rsqrt", lambda p: p.rsqrt(), p=pos)
case("neg", lambda a: -a, a=a)
case("abs", lambda a: a.abs(), a=a)
case("square", lambda a: a.square(), a=a)
case("silu", lambda a: F.silu(a), a=a)
case("sigmoid", lambda a: a.sigmoid(), a=a)
case("tanh", lambda a: a.tanh(), a=a)
case("softmax", lambda a: a.softmax(-1), a=a)
case("log_softmax", lambda a: a.log_softmax(1), a=a)
case("logsumexp", lambda a: a.logsumexp(-1), a=a)
case("clamp", lambda a: a.clamp(-0.5, 0.7), a=a)
case("clamp_min", lambda a: a.clamp(min=0.1), a=a)
case("minimum", lambda a, b: torch.minimum(a, b), a=a, b=b)
case("maximum", lambda a, b: torch.maximum(a, b), a=a, b=b)
mask = t(3, 4) > 0.5
case("masked_fill", lambda a, m: a.masked_fill(m, -9.0), a=a, m=mask)
case("where", lambda m, a, b: torch.where(m, a, b), m=mask, a=a, b=b)
case("gt", lambda a, b: a > b, grad=False, a=a, b=b)
case("le_scalar", lambda a: a <= 0.25, grad=False, a=a)
case("eq_int", lambda x: x == 2, grad=False, x=torch.tensor([1, 2, 3, 2]))
case("isfinite", lambda x: x.isfinite(), grad=False, x=torch.tensor([1.0, float("inf"), float("nan"), -2.0]))
case("sum", lambda a: a.sum(), a=a)
case("sum_dim", lambda a: a.sum(0), a=a)
case("sum_keepdim", lambda a: a.sum(-1, keepdim=True), a=a)
case("mean", lambda a: a.mean(), a=a)
case("mean_dim", lambda a: a.mean(1), a=a)
case("max_all", lambda a: a.max(), a=a)
case("max_dim", lambda a: a.max(1), a=a)
case("min_dim", lambda a: a.min(0, keepdim=True), a=a)
case("argmax_dim", lambda a: a.argmax(-1), grad=False, a=a)
case("std", lambda a: a.std(), a=a)
case("var_dim", lambda a: a.var(1), a=a)
case("norm", lambda a: a.norm(), a=a)
case("topk", lambda a: a.topk(2, dim=-1), a=a)
case("sort_desc", lambda a: a.sort(dim=1, descending=True), a=a)
case("cumsum", lambda a: a.cumsum(1), a=a)
sq = t(4, 4)
case("tril", lambda s: s.tril(), s=sq)
case("triu_1", lambda s: s.triu(1), s=sq)
m1, m2 = t(2, 3, 4), t(4, 5)
case("matmul", lambda x, y: x @ y, x=m1, y=m2)
w, bias = t(5, 4), t(5)
case("linear", lambda x, w, b: F.linear(x, w, b), x=m1, w=w, b=bias)
case("linear_nobias", lambda x, w: F.linear(x, w), x=m1, w=w)
emb = t(6, 3)
ids = torch.tensor([[0, 5, 2], [2, 2, 1]])
case("embedding", lambda w, i: F.embedding(i, w), w=emb, i=ids)
logits = t(5, 7)
targets = torch.tensor([1, -100, 6, 0, 3])
case("cross_entropy", lambda l, y: F.cross_entropy(l, y, ignore_index=-100), l=logits, y=targets)
case("cross_entropy_sum", lambda l, y: F.cross_entropy(l, y, reduction="sum"), l=logits, y=targets.clamp(min=0))
case("cross_entropy_none", lambda l, y: F.cross_entropy(l, y, reduction="none"), l=logits, y=targets)
idx = torch.tensor([[0, 3], [1, 1], [2, 0]])
case("gather", lambda a, i: a.gather(1, i), a=a, i=idx)
src = t(3, 2)
case("scatter", lambda a, i, s: a.scatter(1, i, s), a=a, i=torch.tensor([[0, 3], [1, 2], [2, 0]]), s=src)
case("index_select", lambda a, i: a.index_select(1, i), a=a, i=torch.tensor([3, 0, 0]))
case("cat", lambda a, b: torch.cat([a, b], 1), a=a, b=b)
case("stack", lambda a, b: torch.stack([a, b], 0), a=a, b=b)
case("transpose", lambda x: x.transpose(0, 2), x=m1)
case("permute", lambda x: x.permute(2, 0, 1), x=m1)
case("narrow", lambda x: x.narrow(2, 1, 2), x=m1)
case("slice_step", lambda x: x[:, :, 0:4:2], x=m1)
case("reshape", lambda x: x.reshape(6, -1), x=m1)
case("expand", lambda r: r.unsqueeze(0).expand(3, 4), r=row)
case("select", lambda x: x.select(1, 2), x=m1)
case("squeeze", lambda r: r.unsqueeze(0).unsqueeze(2).squeeze(2), r=row)

# Transformer composites, written as HF Qwen2 eager code.
hs = t(2, 3, 8)
nw = t(8, lo=0.5, hi=1.5)
def rms(x, w):
    h = x.to(torch.float32)
    v = h.pow(2).mean(-1, keepdim=True)
    return w * (h * torch.rsqrt(v + 1e-6)).to(x.dtype)
case("rms_norm", rms, x=hs, w=nw)
gate, up = t(2, 3, 8), t(2, 3, 8)
case("silu_mul", lambda g, u: F.silu(g) * u, g=gate, u=up)
q = t(1, 4, 3, 8)
k = t(1, 2, 5, 8)
v = t(1, 2, 5, 8)
def attn(q, k, v):
    kk = k.repeat_interleave(2, 1)
    vv = v.repeat_interleave(2, 1)
    s = q @ kk.transpose(-1, -2) / math.sqrt(8)
    T, S = 3, 5
    future = torch.ones(T, S, dtype=torch.bool).triu(S - T + 1)
    s = s.masked_fill(future, torch.finfo(torch.float32).min)
    return s.softmax(-1, dtype=torch.float32).to(q.dtype) @ vv
case("attention_causal_gqa", attn, q=q, k=k, v=v)
kmask = torch.tensor([[[[False, True, True, True, True]]]])
def attn_mask(q, k, v):
    kk = k.repeat_interleave(2, 1)
    vv = v.repeat_interleave(2, 1)
    s = q @ kk.transpose(-1, -2) * 0.3
    s = s.masked_fill(~kmask, torch.finfo(torch.float32).min)
    return s.softmax(-1, dtype=torch.float32) @ vv
case("attention_bool_mask", attn_mask, q=q, k=k, v=v)
cos, sin = t(1, 1, 3, 8), t(1, 1, 3, 8)
def rot(x, c, s):
    x1, x2 = x[..., :4], x[..., 4:]
    return x * c + torch.cat((-x2, x1), -1) * s
case("rotary", rot, x=q, c=cos, s=sin)
lg = t(2, 3, 11)
tid = torch.tensor([[1, 10, 4], [0, 0, 7]])
case("token_logprobs", lambda l, i: l.log_softmax(-1).gather(-1, i.unsqueeze(-1)).squeeze(-1), l=lg, i=tid)
case("entropy", lambda l: -(l.softmax(-1) * l.log_softmax(-1)).sum(-1), l=lg)

# Seeded random draws: the same seed must give the same numbers as torch.Generator().manual_seed(seed).
def gen(seed):
    return torch.Generator().manual_seed(seed)
random_cases = {
    "randn": enc(torch.randn(2, 3, generator=gen(42))),
    "rand": enc(torch.rand(4, generator=gen(43))),
    "randint": enc(torch.randint(0, 100, (5,), generator=gen(44))),
    "multinomial": enc(torch.multinomial(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]), 4, replacement=True, generator=gen(45))),
    "randperm": enc(torch.randperm(6, generator=gen(46))),
}
torch.manual_seed(47)
random_cases["manual_seed_randn"] = enc(torch.randn(3))

out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "ToolRL.Torch.Tests", "Fixtures", "ops.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "random": random_cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
