"""What the fixture scripts of tools/algorithms share: float64 lists, random response masks and writing a fixture."""
import json
import os

import torch

DT = torch.float64


def L(t):
    """Tensor -> nested lists of floats (bools as 0/1)."""
    return t.to(DT).tolist()


def response_mask(batch, length, hole=(1, 3)):
    """Right-padded masks with random lengths (>= 2) and, in every third row long enough to keep a token after it,
    the masked span hole = (start, stop): a tool observation inside a multi-turn response. hole=None: no holes."""
    mask = torch.zeros(batch, length, dtype=DT)
    for i in range(batch):
        n = int(torch.randint(2, length + 1, (1,)))
        mask[i, :n] = 1
        if hole is not None and i % 3 == 1 and n >= hole[1] + 1:
            mask[i, hole[0]:hole[1]] = 0
    return mask


def write_fixture(name, fixtures, indent=None):
    """Writes tests/ToolRL.Tests/Fixtures/algorithms/NAME as JSON with a final newline."""
    out = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "tests", "ToolRL.Tests", "Fixtures",
                                        "algorithms", name))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(fixtures, f, indent=indent)
        f.write("\n")
    print("wrote", out, os.path.getsize(out), "bytes")
