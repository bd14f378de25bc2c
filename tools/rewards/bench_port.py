"""Times the Python port on the default-flag vectors, in two forms, and prints one line each:
  reference_style_scores_per_second=<float>   compute_score: env reads, chat cut, printing to os.devnull
  lean_scores_per_second=<float>              score: the semantics alone

Called by the rewards benchmark (benchmarks/ToolRL.Benchmarks) in the same run as the C# timing:
  /usr/bin/python3 tools/rewards/bench_port.py <reward_vectors.jsonl> <seconds per form>
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import rlla_port  # noqa: E402

path, seconds = sys.argv[1], float(sys.argv[2])
cases = []
for line in open(path, encoding="utf-8"):
    v = json.loads(line)
    if all(int(x) == 0 for x in v["flags"].values()):
        cases.append((v["response"], v["ground_truth"]))
for name in rlla_port.FLAG_NAMES:
    os.environ[name] = "0"  # the reference's training scripts export every flag as 0
os.environ["EXPERIMENT_NAME"] = "grpo-qwen2.5-3b"
flags = {name: 0 for name in rlla_port.FLAG_NAMES}
conversations = [("<|im_start|>assistant\n" + r + "<|im_end|>", g) for r, g in cases]


def rate(run):
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run()
        count += len(cases)
    return count / (time.perf_counter() - start)


def reference_style():
    for conversation, gt in conversations:
        rlla_port.compute_score(conversation, gt, 0)


def lean():
    for response, gt in cases:
        rlla_port.score(response, gt, flags, 0)


print(f"reference_style_scores_per_second={rate(reference_style):.1f}")
print(f"lean_scores_per_second={rate(lean):.1f}")
