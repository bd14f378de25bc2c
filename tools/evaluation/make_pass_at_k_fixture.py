#!/usr/bin/python3
"""Exact pass@k and pass^k values for tests/ToolRL.Tests/Fixtures/evaluation/pass_at_k.json.

pass@k = 1 - C(n-c,k)/C(n,k) (Chen et al. 2021) and pass^k = C(c,k)/C(n,k) (tau-bench), computed with
math.comb in exact rational arithmetic and rounded once to the nearest double, so the C# product form is
checked against values free of its own rounding. Run: /usr/bin/python3 tools/evaluation/make_pass_at_k_fixture.py
"""
import json
import math
import pathlib
from fractions import Fraction

cases = set()
for n in range(1, 11):
    for c in range(0, n + 1):
        for k in range(1, n + 1):
            cases.add((n, c, k))
# Large n: binomials far beyond a double's range (C(5000, 2500) ~ 1e1503); few or many correct.
for n, c, k in [(200, 3, 1), (200, 3, 10), (200, 197, 100), (1000, 1, 1), (1000, 500, 10), (1000, 999, 500),
                (5000, 7, 5), (5000, 2500, 2500), (5000, 4990, 100), (100000, 1, 1), (100000, 2, 3),
                (100000, 99999, 1000), (100000, 50000, 20), (1030, 515, 515), (64, 32, 16)]:
    cases.add((n, c, k))

rows = []
for n, c, k in sorted(cases):
    total = math.comb(n, k)
    pass_at = 1 - Fraction(math.comb(n - c, k), total)
    pass_hat = Fraction(math.comb(c, k), total)
    rows.append({"n": n, "c": c, "k": k, "pass_at_k": float(pass_at), "pass_hat_k": float(pass_hat)})

out = pathlib.Path(__file__).resolve().parents[2] / "tests/ToolRL.Tests/Fixtures/evaluation/pass_at_k.json"
lines = ",\n".join(json.dumps(r) for r in rows)
out.write_text('{"generator": "tools/evaluation/make_pass_at_k_fixture.py", "cases": [\n' + lines + "\n]}\n")
print(f"{len(rows)} cases -> {out}")
