"""Writes tests/ToolRL.Tests/Fixtures/rewards/differential.jsonl.gz: synthetic ground truths, hostile
responses and random switch settings, each scored by rlla_port.py (the oracle, checked against all
published vectors by check_vectors.py). The C# suite must reproduce every expected value bit-exactly.

Run from the repository root:  /usr/bin/python3 tools/rewards/make_fuzz_fixture.py
Deterministic (seeded); the ground truths are synthetic, nothing is copied from third-party data.
"""
import gzip
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import rlla_port  # noqa: E402

CASES = 3000
rng = random.Random(20260522)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "ToolRL.Tests", "Fixtures", "rewards", "differential.jsonl.gz")

TOOL_THINK = "<think> I should use the appropriate tool with proper parameters to respond to the user's need. </think>"
RESP_THINK = "<think> I should directly respond to the user's need. </think>"
NAMES = ["get_weather", "search", "book_flight", "f", "convert_currency", "Search", "calc"]
KEYS = ["city", "unit", "query", "limit", "date", "x", "y", "options", "ids", "deep"]
PY_SPACE = ["\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", " ", "\x85", "\xa0", "\u1680", "\u2003", "\u2028", "\u202f", "\u3000"]
NOT_SPACE = ["\u180e", "\u200b", "\ufeff"]


def value():
    kind = rng.randrange(12)
    if kind == 0:
        return rng.choice(["Paris", "New York", "", "ü", "日本", "a\"b\\c", "😀", "line\nbreak"])
    if kind == 1:
        return rng.choice([0, 1, -1, 7, 10 ** 20, 2 ** 53 + 1, -(2 ** 63)])
    if kind == 2:
        return rng.choice([0.0, 1.0, 2.5, -0.0, 1e20, 9007199254740992.0, 0.1])
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        return None
    if kind == 5:
        return [value() for _ in range(rng.randrange(3))]
    if kind == 6:
        return {"k": value()}
    return rng.choice(["Paris", "C", "2024-05-01", "5", "true"])


def make_call():
    params = {k: value() for k in rng.sample(KEYS, rng.randrange(0, 4))}
    return {"name": rng.choice(NAMES), "parameters": params}


def odd_gt_call():
    """GT items the reference accepts at parse time but that break inside its try block."""
    return rng.choice([{"name": "f"}, {"name": "f", "parameters": None}, {"name": "f", "parameters": [1, 2]},
                       {"name": "f", "parameters": "abc😀"}, {"name": 5, "parameters": {}}, ["f"], "f",
                       {"name": ["f"], "parameters": {}}, {"name": float("nan"), "parameters": {}}])


def make_gt():
    shape = rng.randrange(10)
    if shape == 0:
        return RESP_THINK + "\n<response> " + rng.choice(["Sure.", "I need the city.", ""]) + " </response>", []
    if shape == 1:
        return "<think> thinking only </think>", []
    calls = [make_call() for _ in range(rng.randrange(1, 5))]
    if rng.random() < 0.08:
        calls[rng.randrange(len(calls))] = odd_gt_call()
    if rng.random() < 0.05 and len(calls) > 1:
        calls[1] = json.loads(json.dumps(calls[0]))  # two same-name calls: greedy ties
    think = TOOL_THINK if rng.random() < 0.8 else "<think> " + rng.choice(["plan", "I'll use a <tool_call> block", "a <response> maybe"]) + " </think>"
    gt = think + "\n<tool_call>\n" + "\n".join(json.dumps(c) for c in calls) + "\n</tool_call>"
    if shape == 2:
        gt += "\n<response> done </response>"
    return gt, calls


def dumps(call):
    style = rng.randrange(8)
    if style == 0:
        return json.dumps(call, separators=(",", ":"))
    if style == 1:
        return json.dumps(call, ensure_ascii=False)
    if style == 2:
        return " \t" + json.dumps(call) + "\r"
    if style == 3 and isinstance(call, dict):
        return json.dumps(dict(reversed(list(call.items()))))
    return json.dumps(call)


def mutate_call(call):
    if not isinstance(call, dict):
        return call
    call = json.loads(json.dumps(call))
    params = call.get("parameters")
    op = rng.randrange(14)
    if op == 0:
        call["name"] = rng.choice(NAMES + [call.get("name", "f").upper() if isinstance(call.get("name"), str) else "F"])
    elif op == 1 and isinstance(params, dict) and params:
        params.pop(rng.choice(list(params)))
    elif op == 2 and isinstance(params, dict):
        params[rng.choice(KEYS)] = value()
    elif op == 3 and isinstance(params, dict) and params:
        k = rng.choice(list(params))
        v = params[k]
        params[k] = rng.choice([str(v), 1 if v is True else v, float(v) if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2 ** 60 else v, [v], None])
    elif op == 4:
        call["parameters" if rng.random() < 0.5 else "arguments"] = call.pop("parameters", {})
    elif op == 5:
        call["id"] = "call_1"
    elif op == 6:
        call.pop("name", None)
    elif op == 7:
        call["parameters"] = rng.choice([None, [], {}, "x", 3])
    elif op == 8:
        call["name"] = rng.choice([["f"], {"n": 1}, 1, None, float("nan")])
    elif op == 9 and isinstance(params, dict):
        params = dict(reversed(list(params.items())))
        call["parameters"] = params
    return call


def raw_line_tricks(line):
    op = rng.randrange(16)
    if op == 0:
        return line.replace('"parameters": {', '"parameters": {"dup": 1, ', 1).replace("}}", ', "dup": 2}}', 1)
    if op == 1:
        return line.replace(": 1", ": 1.0", 1).replace(": true", ": 1", 1)
    if op == 2:
        return line.replace(": 0", ": -0.0", 1).replace(": false", ": 0.0", 1)
    if op == 3:
        return line.replace(": 2.5", ": NaN", 1).replace("}}", ', "n": NaN}}', 1)
    if op == 4:
        return line.replace("}}", ', "i": Infinity, "m": -Infinity, "e": 1e400}}', 1)
    if op == 5:
        return line[: rng.randrange(len(line) + 1)]
    if op == 6:
        return line + ","
    if op == 7:
        return line.replace('"', "'", 2)
    if op == 8:
        return "\ufeff" + line
    if op == 9:
        return line.replace("}}", ', "big": ' + rng.choice(["1" * 4300, "1" * 4301, "01", "1.", "-", ".5", "1e", "+1", "1E+2", "-0"]) + "}}", 1)
    if op == 10:
        return line.replace("}}", ', "s": "' + rng.choice(["\\ud83d\\ude00", "😀", "\\ud800", "\\udfff", "\\u00e9", "é", "\\x41", "\t", "\\u12"]) + '"}}', 1)
    if op == 11:
        depth = rng.choice([990, 991, 992, 1500])
        return line.replace("}}", ', "deep": ' + "[" * depth + "]" * depth + "}}", 1)
    if op == 12:
        return line.replace(", ", ",\n", 1)
    return line


def block_text(calls):
    lines = [raw_line_tricks(dumps(c)) if rng.random() < 0.3 else dumps(c) for c in calls]
    op = rng.randrange(12)
    if op == 0:
        lines.insert(rng.randrange(len(lines) + 1), "")
    elif op == 1:
        return json.dumps(calls)
    elif op == 2:
        return "\n".join(json.dumps(c, indent=2) for c in calls)
    elif op == 3:
        lines.append(rng.choice(['"f"', "1", "null", "[]", "{}", '{"name": "f"}']))
    return "\n".join(lines)


def response_for(gt, calls):
    has_tool, has_resp = "<tool_call>" in gt, "<response>" in gt
    think = rng.choice(["<think> ok </think>", "<think>\nstep one\n\nstep two\n</think>", "<think></think>",
                        "<think> " + " ".join(["word"] * rng.choice([63, 64, 191, 192, 256, 448, 600])) + " </think>",
                        "<think>a</think>\n<think>b c d</think>", "<think> I'd use a <tool_call> here </think>"])
    pred = [mutate_call(c) for c in calls] if rng.random() < 0.6 else list(calls)
    if pred and rng.random() < 0.2:
        rng.shuffle(pred)
    if rng.random() < 0.1:
        pred.append(make_call())
    if pred and rng.random() < 0.1:
        pred.pop()
    parts = [think]
    if has_tool or rng.random() < 0.2:
        parts.append("<tool_call>\n" + block_text(pred or [make_call()]) + "\n</tool_call>")
    if has_resp or rng.random() < 0.15:
        parts.append("<response> " + rng.choice(["ok", "Sure!", ""]) + " </response>")
    text = "\n".join(parts)
    op = rng.randrange(16)
    if op == 0:
        text = rng.choice(PY_SPACE + NOT_SPACE) + text + rng.choice(PY_SPACE + NOT_SPACE)
    elif op == 1:
        text = text.replace("</think>\n", rng.choice(["</think> \n", "</think>\n\n", "</think>\r\n", "</think>"]), 1)
    elif op == 2:
        text = text.replace("\n", "\r\n")
    elif op == 3:
        text = text.upper() if rng.random() < 0.3 else text.replace("<tool_call>", "<TOOL_CALL>", 1)
    elif op == 4:
        text += rng.choice([" trailing", "\n<tool_call>\n{}\n</tool_call>", "\n", "</tool_call>", "<response>x</response>"])
    elif op == 5:
        text = text.replace("</tool_call>", "", 1)
    elif op == 6:
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] + rng.choice(["\ud800", "\udc00", "\x00", "\ufffd", "\u2028", "<think>", "</think>", "\n"]) + text[cut:]
    elif op == 7:
        text = text.replace("<tool_call>\n", "<tool_call>", 1)
    elif op == 8:
        text = "</tool_call>" + text
    elif op == 9:
        text = text.replace("<think>", "", 1)
    elif op == 10:
        text = text + "\n"
    return text


def random_flags():
    flags = {name: 1 if rng.random() < 0.22 else 0 for name in rlla_port.FLAG_NAMES}
    step = rng.choice([0, 1, 10, 29, 30, 40, 50, 52, 60, 75, 105, 149, 150, 200, 300, rng.randrange(0, 400)])
    return flags, step


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    crashes = 0
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as out:
        for i in range(CASES):
            gt, calls = make_gt()
            response = response_for(gt, calls)
            flags, step = random_flags()
            try:
                f, c, n, t = rlla_port.score(response, gt, flags, step)
                expected = [f, c, n, t]
            except Exception:  # the GT itself does not parse: the reference crashes
                expected = "crash"
                crashes += 1
            line = {"id": f"d{i:05d}", "ground_truth": gt, "response": response, "flags": flags, "step": step, "expected": expected}
            out.write(json.dumps(line) + "\n")
    print(f"wrote {CASES} cases ({crashes} crashing ground truths) to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
