"""An independent Python port of the ToolRL reward, written from the rules of rlla.py (ToolRL repository, verl/utils/reward_score/rlla.py; docs/rewards.md).

It serves as the same-run speed reference for `dotnet run --project benchmarks/ToolRL.Benchmarks -- rewards`
(the original rlla.py cannot be downloaded here; this port reproduces all 2,083 published vectors, see
`check_vectors.py`) and as the oracle of the differential fixture (`make_fuzz_fixture.py`). It uses the
real Python machinery the reference relies on (json.loads, re.search with DOTALL, collections.Counter,
round, ==), so Python semantics come for free.

Two entry points:
* `score(response, gt, flags, step)`: the semantics alone, flags passed as a dict, nothing printed.
* `compute_score(solution_str, ground_truth, step)`: the reference's calling convention (rlla.py compute_score):
  the assistant turn is cut out per EXPERIMENT_NAME, every switch is read from os.environ at the point
  where it is consulted, and the diagnostic output the reference prints on every call (the GT, the
  responses, the scores of each component) is written to os.devnull, i.e. "printing silenced". This is
  the stand-in for the reference in the speed comparison.
"""
import json
import os
import re
from collections import Counter

FLAG_NAMES = ("CORRECTMAX1", "WITHLENGTH", "SCHEDULELENGTH", "REFINEDREWARD", "COARSEREWARD",
              "INTERMEDIATEREWARD", "MAX1STEP30MAX3", "SCHEDULEREWARD", "STRICTMATCH")

_PATTERNS = {
    "response": re.compile(r"^<think>.*?</think>\n<response>.*?</response>$", re.DOTALL),
    "tool": re.compile(r"^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>$", re.DOTALL),
    "both": re.compile(r"^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>\n<response>.*?</response>$", re.DOTALL),
    "think": re.compile(r"^<think>.*?</think>$", re.DOTALL),
}


def _on(flags, name):
    return str(flags.get(name, 0)) == "1"


def multiset_match(a, b, refined):
    """match_score: ordered equality → 1; refined → 0; empty → 0; else multiset Jaccard."""
    if a == b:
        return 1.0
    if refined or not a or not b:
        return 0.0
    ca, cb = Counter(a), Counter(b)
    common = sum(min(ca[k], cb[k]) for k in ca.keys() & cb.keys())
    union = len(a) + len(b) - common
    return common / union if union > 0 else 0.0


def format_bounds(flags, step):
    hi, lo = 1.0, 0.0
    if _on(flags, "MAX1STEP30MAX3") and step >= 30:
        hi, lo = hi / 2, lo / 2
    if _on(flags, "SCHEDULEREWARD"):
        hi = max(2 - (2 - hi) * step / 150, 1.0)
        lo = min(-2 + (2 + lo) * step / 150, -1.0)
    return hi, lo


def correctness_bounds(flags, step):
    hi, lo = (1.0, -1.0) if _on(flags, "CORRECTMAX1") else (3.0, -3.0)
    if _on(flags, "MAX1STEP30MAX3") and step < 30:
        hi, lo = hi / 3, lo / 3
    if _on(flags, "SCHEDULEREWARD"):
        hi = min((hi - 2) * step / 150 + 2, 3.0)
        lo = max((lo + 2) * step / 150 - 2, -3.0)
    return hi, lo


def format_score(response, gt, flags, step):
    hi, lo = format_bounds(flags, step)
    has_resp, has_tool = "<response>" in gt, "<tool_call>" in gt
    if has_resp and not has_tool:
        ok = _PATTERNS["response"].search(response) and all(response.count(t) == 1 for t in ("<response>", "</response>"))
    elif has_tool and not has_resp:
        ok = _PATTERNS["tool"].search(response) and all(response.count(t) == 1 for t in ("<tool_call>", "</tool_call>"))
    elif has_tool:
        ok = _PATTERNS["both"].search(response) and all(
            response.count(t) == 1 for t in ("<tool_call>", "</tool_call>", "<response>", "</response>"))
    else:
        ok = _PATTERNS["think"].search(response)
    return hi if ok else lo


def _first_block_calls(text):
    block = text.split("<tool_call>")[1].split("</tool_call>")[0].strip()
    return [json.loads(line) for line in block.split("\n")]


def tool_call_score(gt_calls, calls, hi, lo, flags):
    if gt_calls == calls:
        return hi
    if _on(flags, "COARSEREWARD"):
        return lo
    refined, intermediate = _on(flags, "REFINEDREWARD"), _on(flags, "INTERMEDIATEREWARD")
    score = multiset_match([g["name"] for g in gt_calls], [p["name"] for p in calls], refined)
    s_max = 1.0
    taken = set()
    for g in gt_calls:
        name, params = g["name"], g["parameters"]
        s_max += 1.0 if intermediate else 1.0 + len(params)
        best_i, best = -1, 0.0
        for i, p in enumerate(calls):
            if i in taken or p["name"] != name:
                continue
            if intermediate:
                if g == p:
                    best_i, best = i, 1.0
                    break
                continue
            p_params = p["parameters"]
            s = multiset_match(list(params.keys()), list(p_params.keys()), refined)
            s = s + sum(1.0 for k, v in params.items() if k in p_params and p_params[k] == v)
            if s > best:
                best_i, best = i, s
        if best_i >= 0:
            taken.add(best_i)
            score += best
    return (hi - lo) * score / s_max + lo


def correctness_score(response, gt, flags, step):
    hi, lo = correctness_bounds(flags, step)
    if "<tool_call>" not in gt:
        return 0.0
    gt_calls = _first_block_calls(gt)  # outside the try: a bad GT raises, as in the reference
    try:
        assert "<tool_call>" in response and "</tool_call>" in response
        return tool_call_score(gt_calls, _first_block_calls(response), hi, lo, flags)
    except:  # noqa: E722 - the reference's bare except, RecursionError included
        return lo


def length_score(response, flags, step):
    target = (640 - 384) * step / 105 + 384 if _on(flags, "SCHEDULELENGTH") else 512
    if "<think>" not in response or "</think>" not in response:
        return 0.0
    thought = response.split("<think>")[-1].split("</think>")[0].strip()
    return min(round(len(thought.split()) / target, 2), 1.0) * (1.0 - 0.0) + 0.0


def score(response, gt, flags, step=0):
    """(format, correctness, length, total) of the stripped response; length is int 0 without WITHLENGTH."""
    response = response.strip()
    f = format_score(response, gt, flags, step)
    c = correctness_score(response, gt, flags, step)
    n = length_score(response, flags, step) if str(flags.get("WITHLENGTH", 0)) == "1" else 0
    return f, c, n, f + c + n


_SILENCED = open(os.devnull, "w")


def _log(*values):
    print(*values, file=_SILENCED)


class _Environment:
    """Flags looked up in os.environ each time they are consulted, as the reference does."""

    def get(self, name, default=0):
        return os.getenv(name, default)


def compute_score(solution_str, ground_truth, step=0):
    """(total, format, correctness, length) like the reference's compute_score."""
    experiment = str(os.getenv("EXPERIMENT_NAME", ""))
    if "llama" in experiment:
        response = solution_str.split("<|start_header_id|>assistant<|end_header_id|>")[-1].split("<|eot_id|>")[0].strip()
    elif "qwen" in experiment:
        response = solution_str.split("<|im_start|>assistant")[-1].split("<|im_end|>")[0].strip()
    else:
        raise NotImplementedError(f"Unknown model name: {experiment}")
    flags = _Environment()
    _log("\n======= Answer ======= ")
    _log(ground_truth)
    _log("\n======= Responses ======= ")
    _log(f"*** Response 1***\n{response}")
    f = format_score(response, ground_truth, flags, step)
    _log("\n======= Reward for <format> =======")
    _log("Reward function for <format> is called ...")
    _log([f])
    c = correctness_score(response, ground_truth, flags, step)
    _log()
    _log("Max possible score:", c)
    _log("Score:", c)
    _log("\n======= Reward for <tool call> =======")
    _log("Reward function for <tool call> correctness is called ...")
    _log([c])
    if str(os.getenv("WITHLENGTH", 0)) == "1":
        n = length_score(response, flags, step)
        _log("\n======= Reward for <length> =======")
        _log("Reward function for <length> is called ...")
        _log([n])
    else:
        n = 0
    return f + c + n, f, c, n
