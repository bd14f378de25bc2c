#!/usr/bin/python3
"""Python's json.dumps(json.loads(x), ensure_ascii=False) -- what transformers' chat-template `tojson`
does to tool schemas and arguments -- for tricky inputs (floats, escapes, non-ASCII)
-> tests/ToolRL.Tests/Fixtures/tokenizer/python_json_cases.json. Run with /usr/bin/python3."""
import json
import os

INPUTS = [
    '1.0', '100.0', '1e5', '1E-7', '0.0001', '0.00001', '1e15', '1e16', '1.5e16', '123456.789',
    '-0.0', '-0', '0', '3.14', '2.5e-10', '1.7976931348623157e308', '5e-324', '0.30000000000000004',
    '1e22', '12345678901234567890123', '-42', '0.1', '1e400', '-1.25E+3', '9007199254740993.0',
    '"plain"', '"quote \\" backslash \\\\ slash /"', '"\\u0000\\u0001\\u001f\\u007f \\b\\f\\n\\r\\t"',
    '"\\u2028\\u2029 \\u00e9 \\u4e2d \\ud83d\\ude00"', '"</tool_call> <|im_end|>"',
    'true', 'false', 'null', '[]', '{}', '[1, [2, [3, []]], {}]',
    '{"b": 1, "a": [1.0, 2, "x"], "c": {"nested": null, "t": true}}',
    '{"name":"get_weather","arguments":{"city":"東京","days":3,"ratio":0.5,"big":1e100}}',
]

here = os.path.dirname(os.path.abspath(__file__))
target = os.path.join(here, "..", "..", "tests", "ToolRL.Tests", "Fixtures", "tokenizer", "python_json_cases.json")
cases = [{"input": text, "output": json.dumps(json.loads(text), ensure_ascii=False)} for text in INPUTS]
with open(target, "w", encoding="utf-8") as f:
    f.write('{"source": "tools/tokenizer/gen-python-json.py: /usr/bin/python3 json.dumps(json.loads(input), ensure_ascii=False)", "cases": [\n')
    f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n]}\n")
print("wrote python_json_cases.json")
