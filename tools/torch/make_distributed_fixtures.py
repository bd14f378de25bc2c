#!/usr/bin/python3
"""Generates tests/ToolRL.Torch.Tests/Fixtures/distributed.json with python3-torch's torch.distributed (gloo) as the
reference: two real processes (a file store rendezvous, so no port is needed) run each collective on their own
inputs; the file holds every rank's inputs and results. The C# test runs the same inputs through two ToolRL ranks
and compares. Rerun: /usr/bin/python3 tools/torch/make_distributed_fixtures.py

reduce_scatter: gloo in libtorch 1.13 has none, so the reference is all_reduce followed by this rank's chunk of
dim 0 (the definition of reduce_scatter)."""
import json, os, sys, tempfile
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from datetime import timedelta

WORLD = 2


def enc(x):
    dtype = {torch.float32: "f32", torch.float64: "f64", torch.int64: "i64"}[x.dtype]
    data = x.reshape(-1).tolist()
    if dtype != "i64":
        data = [float("%.9g" % v) if dtype == "f32" else float(repr(v)) for v in data]
    return {"shape": list(x.shape), "dtype": dtype, "data": data}


def inputs(rank):
    g = torch.Generator().manual_seed(100 + rank)
    return {
        "sum_f32": torch.randn(3, 5, generator=g),
        "max_f32": torch.randn(7, generator=g),
        "min_f64": torch.randn(2, 2, generator=g, dtype=torch.float64),
        "product_f64": torch.rand(4, generator=g, dtype=torch.float64) + 0.5,
        "sum_i64": torch.randint(-1000, 1000, (6,), generator=g),
        "broadcast_f32": torch.randn(4, generator=g),
        "all_gather_f32": torch.randn(2, 3, generator=g),
        "reduce_scatter_f32": torch.randn(4, 3, generator=g),
    }


def run(rank, store_file, out_dir):
    dist.init_process_group("gloo", init_method="file://" + store_file, rank=rank, world_size=WORLD,
                            timeout=timedelta(seconds=60))
    x = inputs(rank)
    out = {}
    for name, op in (("sum_f32", dist.ReduceOp.SUM), ("max_f32", dist.ReduceOp.MAX), ("min_f64", dist.ReduceOp.MIN),
                     ("product_f64", dist.ReduceOp.PRODUCT), ("sum_i64", dist.ReduceOp.SUM)):
        t = x[name].clone()
        dist.all_reduce(t, op=op)
        out[name] = t
    t = x["broadcast_f32"].clone()
    dist.broadcast(t, src=1)
    out["broadcast_f32"] = t
    parts = [torch.empty_like(x["all_gather_f32"]) for _ in range(WORLD)]
    dist.all_gather(parts, x["all_gather_f32"])
    out["all_gather_f32"] = torch.stack(parts)
    t = x["reduce_scatter_f32"].clone()
    dist.all_reduce(t)
    out["reduce_scatter_f32"] = t.chunk(WORLD, dim=0)[rank].clone()
    dist.barrier()
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump({"inputs": {k: enc(v) for k, v in x.items()}, "outputs": {k: enc(v) for k, v in out.items()}}, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(run, args=(os.path.join(tmp, "store"), tmp), nprocs=WORLD, join=True)
        ranks = [json.load(open(os.path.join(tmp, f"rank{r}.json"))) for r in range(WORLD)]
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "ToolRL.Torch.Tests", "Fixtures", "distributed.json")
    with open(path, "w") as f:
        json.dump({"world_size": WORLD, "torch": torch.__version__, "backend": "gloo",
                   "reduce_ops": {"sum_f32": "sum", "max_f32": "max", "min_f64": "min", "product_f64": "product", "sum_i64": "sum"},
                   "broadcast_root": 1, "ranks": ranks}, f)
    print("wrote", os.path.normpath(path))
