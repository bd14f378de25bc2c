"""Times rlla_port.score on the default-flag vectors; prints one line: scores_per_second=<float>.

Called by the rewards benchmark (benchmarks/ToolRL.Benchmarks) in the same run as the C# timing:
  /usr/bin/python3 tools/rewards/bench_port.py <reward_vectors.jsonl> <seconds>
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
flags = {name: 0 for name in rlla_port.FLAG_NAMES}
count, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    for response, gt in cases:
        rlla_port.score(response, gt, flags, 0)
    count += len(cases)
print(f"scores_per_second={count / (time.perf_counter() - start):.1f}")
