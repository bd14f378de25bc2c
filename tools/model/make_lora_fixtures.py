"""LoRA fixtures, from an implementation of the equations written here (rerun: /usr/bin/python3 tools/model/make_lora_fixtures.py).

The equations (Hu et al. 2021 eq. 3; PEFT's LoraLayer): a targeted linear layer computes
    y = x Wᵀ + b + s · (x Aᵀ) Bᵀ,   A [r, in], B [out, r],   s = lora_alpha / r   (rsLoRA: lora_alpha / √r)
and merging folds the update into the weight: W' = W + s · B A.

Writes tests/ToolRL.Tests/Fixtures/model/lora/:
  linear.json       for a plain and an rsLoRA layer: x, W, b, A, B, an upstream gradient g, and in float64 the
                    output y, the gradients of sum(y·g) with respect to A, B and x, and the merged weight W'.
                    Inputs are float32 values (so a float32 or float64 run sees the same numbers).
  peft-gqa3/        a LoRA adapter for ../gqa3-untied in PEFT's layout, as PEFT's save_pretrained writes it:
                    adapter_config.json (r 4, lora_alpha 8, use_rslora true, target_modules q_proj, v_proj,
                    down_proj) and adapter_model.safetensors with PEFT's names
                    (base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight, ...), B non-zero.
  peft-gqa3.merged.safetensors
                    the adapted layers' merged weights W + s·B·A computed here in float64 from the BF16 base
                    (stored float32), under the base model's names.
"""
import json, math, os, struct
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, 'tests', 'ToolRL.Tests', 'Fixtures', 'model')
OUT = os.path.join(FIXTURES, 'lora')
BASE = os.path.join(FIXTURES, 'gqa3-untied')

DTYPES = {'F32': torch.float32, 'BF16': torch.bfloat16, 'F16': torch.float16, 'F64': torch.float64}


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        start, end = info['data_offsets']
        t = torch.frombuffer(bytearray(body[start:end]), dtype=DTYPES[info['dtype']])
        out[name] = t.reshape(info['shape']).clone()
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous().to(torch.float32)
        raw = t.numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def lora_linear(x, w, b, a, bm, scaling):
    """y = x Wᵀ + b + s·(x Aᵀ) Bᵀ, in the dtype of the inputs."""
    return x @ w.T + b + scaling * ((x @ a.T) @ bm.T)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def linear_case(gen, use_rslora):
    n_in, n_out, r, alpha = 12, 10, 4, 8.0
    scaling = alpha / math.sqrt(r) if use_rslora else alpha / r

    def draw(*shape, scale=1.0):
        return (torch.randn(*shape, generator=gen) * scale).to(torch.float32).to(torch.float64)

    x = draw(2, 3, n_in)
    w = draw(n_out, n_in, scale=0.2)
    b = draw(n_out, scale=0.1)
    a = draw(r, n_in, scale=0.3)
    bm = draw(n_out, r, scale=0.3)
    g = draw(2, 3, n_out)
    xs, as_, bs = x.clone().requires_grad_(), a.clone().requires_grad_(), bm.clone().requires_grad_()
    y = lora_linear(xs, w, b, as_, bs, scaling)
    (y * g).sum().backward()
    merged = w + scaling * (bm @ a)
    # The merged layer gives the same output (a check of the script itself).
    assert torch.allclose(x @ merged.T + b, y.detach(), atol=1e-12)
    return {
        'in': n_in, 'out': n_out, 'r': r, 'lora_alpha': alpha, 'use_rslora': use_rslora, 'scaling': scaling,
        'x': flat(x), 'weight': flat(w), 'bias': flat(b), 'lora_A': flat(a), 'lora_B': flat(bm), 'grad_output': flat(g),
        'y': flat(y), 'grad_lora_A': flat(as_.grad), 'grad_lora_B': flat(bs.grad), 'grad_x': flat(xs.grad),
        'merged_weight': flat(merged),
    }


def peft_adapter(gen):
    cfg = json.load(open(os.path.join(BASE, 'config.json')))
    base = read_safetensors(os.path.join(BASE, 'model.safetensors'))
    r, alpha, targets = 4, 8, ['q_proj', 'v_proj', 'down_proj']
    scaling = alpha / math.sqrt(r)   # use_rslora
    tensors, merged = {}, {}
    for i in range(cfg['num_hidden_layers']):
        for module in targets:
            group = 'mlp' if module in ('gate_proj', 'up_proj', 'down_proj') else 'self_attn'
            name = f'model.layers.{i}.{group}.{module}'
            w = base[name + '.weight'].to(torch.float64)
            n_out, n_in = w.shape
            a = (torch.rand(r, n_in, generator=gen) * 2 - 1) / math.sqrt(n_in)       # PEFT's Kaiming-uniform range
            bm = torch.randn(n_out, r, generator=gen) * 0.05                          # trained: non-zero
            a, bm = a.to(torch.float32), bm.to(torch.float32)
            tensors[f'base_model.model.{name}.lora_A.weight'] = a
            tensors[f'base_model.model.{name}.lora_B.weight'] = bm
            merged[name + '.weight'] = (w + scaling * (bm.to(torch.float64) @ a.to(torch.float64))).to(torch.float32)
    config = {
        'alpha_pattern': {}, 'auto_mapping': None, 'base_model_name_or_path': 'gqa3-untied', 'bias': 'none',
        'fan_in_fan_out': False, 'inference_mode': True, 'init_lora_weights': True, 'layer_replication': None,
        'layers_pattern': None, 'layers_to_transform': None, 'loftq_config': {}, 'lora_alpha': alpha,
        'lora_dropout': 0.05, 'megatron_config': None, 'megatron_core': 'megatron.core', 'modules_to_save': None,
        'peft_type': 'LORA', 'r': r, 'rank_pattern': {}, 'revision': None, 'target_modules': sorted(targets),
        'task_type': 'CAUSAL_LM', 'use_dora': False, 'use_rslora': True,
    }
    folder = os.path.join(OUT, 'peft-gqa3')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'adapter_config.json'), 'w') as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write('\n')
    write_safetensors(os.path.join(folder, 'adapter_model.safetensors'), tensors)
    write_safetensors(os.path.join(OUT, 'peft-gqa3.merged.safetensors'), merged)


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20261207)
    cases = {'lora': linear_case(gen, False), 'rslora': linear_case(gen, True)}
    with open(os.path.join(OUT, 'linear.json'), 'w') as f:
        json.dump(cases, f)
        f.write('\n')
    peft_adapter(gen)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
