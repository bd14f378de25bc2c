"""Checks both entry points of rlla_port.py against the published reward vectors (bit-exact, same int/float type).

Run from the repository root: /usr/bin/python3 tools/rewards/check_vectors.py [reward_vectors.jsonl]
(default: data/reward_vectors.jsonl inside the folder TOOLRL_REFERENCE_DATA names; see data/README.md).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import rlla_port  # noqa: E402

if len(sys.argv) > 1:
    path = sys.argv[1]
elif os.environ.get("TOOLRL_REFERENCE_DATA"):
    path = os.path.join(os.environ["TOOLRL_REFERENCE_DATA"], "data", "reward_vectors.jsonl")
else:
    sys.exit("check_vectors: pass the reward_vectors.jsonl path, or set TOOLRL_REFERENCE_DATA (see data/README.md)")
bad = total = 0
for line in open(path, encoding="utf-8"):
    v = json.loads(line)
    got = rlla_port.score(v["response"], v["ground_truth"], v["flags"], v["step"])
    e = v["expected"]
    want = (e["format"], e["correctness"], e["length"], e["total"])
    for k, flag in v["flags"].items():
        os.environ[k] = str(flag)
    os.environ["EXPERIMENT_NAME"] = "qwen"
    t, f, c, n = rlla_port.compute_score("<|im_start|>assistant\n" + v["response"] + "<|im_end|>", v["ground_truth"], v["step"])
    total += 1
    if (f, c, n, t) != got:
        bad += 1
        print(v["id"], "compute_score differs from score:", (f, c, n, t), got)
    if got != want or [type(x) for x in got] != [type(x) for x in want]:
        bad += 1
        print(v["id"], v["kind"], "expected", want, "got", got)
print(f"{total - bad}/{total} vectors reproduced bit-exactly")
sys.exit(1 if bad else 0)
