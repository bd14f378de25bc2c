"""Fixtures for the model tests (rerun: /usr/bin/python3 tools/model/make_fixtures.py).

Writes tests/ToolRL.Tests/Fixtures/model/:
  gqa3-untied/           a second random Qwen2 (untied lm_head, GQA 6:2, head_dim 8, vocab 512) made by
                         ../shared/reference/qwen2_ref.py make (BF16 safetensors, HF names), < 200 KB
  gqa3-untied-sharded/   the same tensors split over two shards + model.safetensors.index.json (HF layout)
  gqa3-untied.reference.json
                         float64 outputs of an independent eager implementation written here (HF
                         semantics: fp32 RoPE tables, half-split rotation, GQA, causal + padding masks,
                         position ids cumsum(mask)-1), cross-checked against qwen2_ref.py's forward:
                         next-token log-probs and log-sum-exp at 1,024 positions, full logit rows and
                         final hidden states at probe positions up to 1,023, mean-NLL gradients, a
                         left-padded batch, and a float64 greedy continuation.
"""
import json, math, os, struct, subprocess, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), 'shared')
REF = os.path.join(SHARED, 'reference', 'qwen2_ref.py')
OUT = os.path.join(REPO, 'tests', 'ToolRL.Tests', 'Fixtures', 'model')
sys.path.insert(0, os.path.dirname(REF))
import qwen2_ref  # noqa: E402  (read at run time, not copied)

MODEL = os.path.join(OUT, 'gqa3-untied')
SHARDED = os.path.join(OUT, 'gqa3-untied-sharded')


def rms(x, w, eps):
    x32 = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return w * x32


def rope_tables(pos, hd, theta, dtype):
    # transformers computes inv_freq and the angles in float32, then casts cos/sin to the model dtype.
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    f = pos.float()[..., None] * inv  # [B,T,hd/2]
    emb = torch.cat([f, f], -1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def forward(cfg, w, ids, mask=None):
    """Returns (final hidden [B,T,H], logits [B,T,V]) in the dtype of w; mask [B,T] of 0/1 (left padding)."""
    B, T = ids.shape
    nh, kv = cfg['num_attention_heads'], cfg['num_key_value_heads']
    hd = cfg['hidden_size'] // nh
    eps = cfg['rms_norm_eps']
    if mask is None:
        mask = torch.ones(B, T, dtype=torch.int64)
    pos = mask.long().cumsum(-1) - 1
    pos = pos.masked_fill(mask == 0, 1)
    cos, sin = rope_tables(pos, hd, cfg['rope_theta'], w['model.norm.weight'].dtype)
    cos, sin = cos[:, None], sin[:, None]
    allowed = torch.ones(T, T, dtype=torch.bool).tril()[None] & (mask[:, None, :] == 1)  # [B,T,S]
    x = w['model.embed_tokens.weight'][ids]
    for i in range(cfg['num_hidden_layers']):
        p = f'model.layers.{i}.'
        h = rms(x, w[p + 'input_layernorm.weight'], eps)
        q = (h @ w[p + 'self_attn.q_proj.weight'].T + w[p + 'self_attn.q_proj.bias']).view(B, T, nh, hd).transpose(1, 2)
        k = (h @ w[p + 'self_attn.k_proj.weight'].T + w[p + 'self_attn.k_proj.bias']).view(B, T, kv, hd).transpose(1, 2)
        v = (h @ w[p + 'self_attn.v_proj.weight'].T + w[p + 'self_attn.v_proj.bias']).view(B, T, kv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // kv, 1)
        v = v.repeat_interleave(nh // kv, 1)
        s = (q @ k.transpose(-1, -2)) * hd ** -0.5
        s = s.masked_fill(~allowed[:, None], torch.finfo(s.dtype).min)
        a = s.softmax(-1)
        o = (a @ v).transpose(1, 2).reshape(B, T, nh * hd)
        x = x + o @ w[p + 'self_attn.o_proj.weight'].T
        h = rms(x, w[p + 'post_attention_layernorm.weight'], eps)
        x = x + (torch.nn.functional.silu(h @ w[p + 'mlp.gate_proj.weight'].T) * (h @ w[p + 'mlp.up_proj.weight'].T)) @ w[p + 'mlp.down_proj.weight'].T
    x = rms(x, w['model.norm.weight'], eps)
    head = w.get('lm_head.weight', w['model.embed_tokens.weight'])
    return x, x @ head.T


def write_sharded(tensors, folder, split):
    """Two shards in HF layout with model.safetensors.index.json (F32 payload, so it is exact)."""
    os.makedirs(folder, exist_ok=True)
    names = list(tensors)
    groups = [names[:split], names[split:]]
    weight_map, total = {}, 0
    for n, group in enumerate(groups, 1):
        fname = f'model-{n:05d}-of-{len(groups):05d}.safetensors'
        header, blobs, off = {}, [], 0
        for name in group:
            b = tensors[name].to(torch.float32).contiguous().numpy().tobytes()
            header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [off, off + len(b)]}
            blobs.append(b); off += len(b); total += len(b); weight_map[name] = fname
        header['__metadata__'] = {'format': 'pt'}
        h = json.dumps(header).encode()
        h += b' ' * ((8 - len(h) % 8) % 8)
        with open(os.path.join(folder, fname), 'wb') as f:
            f.write(struct.pack('<Q', len(h))); f.write(h)
            for b in blobs: f.write(b)
    with open(os.path.join(folder, 'model.safetensors.index.json'), 'w') as f:
        json.dump({'metadata': {'total_size': total}, 'weight_map': weight_map}, f, indent=2)


def main():
    os.makedirs(OUT, exist_ok=True)
    subprocess.run([sys.executable, REF, 'make', MODEL, '--hidden', '48', '--layers', '2', '--heads', '6', '--kv', '2',
                    '--inter', '64', '--vocab', '512', '--untied', '--seed', '7'], check=True)
    cfg = json.load(open(os.path.join(MODEL, 'config.json')))
    w32 = qwen2_ref.read_safetensors(os.path.join(MODEL, 'model.safetensors'))
    write_sharded(w32, SHARDED, split=9)
    with open(os.path.join(SHARDED, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    w = {k: v.double() for k, v in w32.items()}

    g = torch.Generator().manual_seed(11)
    T = 1024
    ids = torch.randint(0, cfg['vocab_size'], (1, T), generator=g)
    with torch.no_grad():
        hidden, logits = forward(cfg, w, ids)
        # Independent cross-check: the reference's own forward must agree.
        ref_logits = qwen2_ref.Qwen2(cfg, w32, torch.float64).forward(ids)
        assert torch.allclose(logits, ref_logits, rtol=1e-9, atol=1e-9), (logits - ref_logits).abs().max()
    lsm = logits.log_softmax(-1)[0]
    next_lp = lsm[:-1].gather(-1, ids[0, 1:, None])[:, 0]
    probes = [0, 1, 2, 255, 511, 512, 767, 1000, 1023]

    # Gradients of the mean next-token NLL with respect to a few parameters (float64 autograd).
    wg = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    _, lg = forward(cfg, wg, ids[:, :257])
    loss = torch.nn.functional.cross_entropy(lg[0, :-1], ids[0, 1:257])
    loss.backward()
    grad_names = ['lm_head.weight', 'model.norm.weight', 'model.layers.1.self_attn.k_proj.bias',
                  'model.layers.0.self_attn.v_proj.weight', 'model.layers.0.mlp.up_proj.weight']
    grads = {n: wg[n].grad.tolist() for n in grad_names if n != 'lm_head.weight'}
    grad_rows = sorted(set(ids[0, :5].tolist()))
    grads_embed = wg['model.embed_tokens.weight'].grad[grad_rows].tolist()
    grads_head_rows = wg['lm_head.weight'].grad[grad_rows].tolist()

    # A left-padded batch of two prompts (lengths 7 and 12): logits of the real positions.
    a = ids[0, 100:107]; b = ids[0, 200:212]
    batch = torch.full((2, 12), 0, dtype=torch.int64); mask = torch.zeros(2, 12, dtype=torch.int64)
    batch[0, 5:] = a; mask[0, 5:] = 1; batch[1] = b; mask[1] = 1
    with torch.no_grad():
        _, pl = forward(cfg, w, batch, mask)
        _, la = forward(cfg, w, a[None]); _, lb = forward(cfg, w, b[None])
        assert torch.allclose(pl[0, 5:], la[0], atol=1e-9) and torch.allclose(pl[1], lb[0], atol=1e-9)

    # Greedy continuation of 12 tokens (full recomputation each step), with the smallest top-1 margin.
    seq = ids[0, :20].tolist(); margins = []
    with torch.no_grad():
        for _ in range(12):
            _, l = forward(cfg, w, torch.tensor([seq]))
            top = l[0, -1].topk(2).values
            margins.append((top[0] - top[1]).item())
            seq.append(int(l[0, -1].argmax()))

    ref = {
        'description': 'float64 reference for gqa3-untied (tools/model/make_fixtures.py); weights = BF16 file upcast.',
        'input_ids': ids[0].tolist(),
        'next_token_logprobs': next_lp.tolist(),
        'logsumexp': logits[0].logsumexp(-1).tolist(),
        'probe_positions': probes,
        'probe_logits': logits[0, probes].tolist(),
        'probe_final_hidden': hidden[0, probes].tolist(),
        'grad_loss_prefix_length': 257,
        'grad_mean_nll': loss.item(),
        'grads': grads,
        'grad_rows': grad_rows,
        'grad_embed_rows': grads_embed,
        'grad_lm_head_rows': grads_head_rows,
        'padded_batch': {'input_ids': batch.tolist(), 'attention_mask': mask.tolist(), 'logits_last': pl[:, -1].tolist()},
        'greedy': {'prompt': ids[0, :20].tolist(), 'continuation': seq[20:], 'min_top1_margin': min(margins)},
    }
    with open(os.path.join(OUT, 'gqa3-untied.reference.json'), 'w') as f:
        json.dump(ref, f)
    print('wrote', OUT, 'min greedy margin', min(margins))


if __name__ == '__main__':
    main()
