"""Fixtures for the model tests (rerun: /usr/bin/python3 tools/model/make_fixtures.py [--remake]).

Writes tests/ToolRL.Tests/Fixtures/model/:
  tiny-random-qwen2/     a random Qwen2 in the Hugging Face layout with Qwen2.5's real 151,936-row vocabulary:
                         hidden 8, 2 layers, GQA 2:1 (head_dim 4), intermediate 16, tied lm_head like Qwen2.5
                         0.5B-3B, BF16 safetensors (2.4 MB), config.json, Qwen2.5-Instruct's generation_config.json,
                         and reference_outputs.json: float64 outputs on a 38-token chat prompt (per-layer hidden
                         states, final norm, logits at probe ids, top-5 and log-sum-exp per position, next-token
                         log-probs, mean NLL and its gradients, log-probs of ids [1, 2, 3, 4] for `toolrl score`).
                         The tests pair it with the Qwen2.5 tokenizer in Fixtures/tokenizer/qwen2.5.
  gqa3-untied/           a second random Qwen2 (untied lm_head, GQA 6:2, head_dim 8, vocab 512), BF16, < 200 KB
  gqa3-untied-sharded/   the same tensors split over two shards + model.safetensors.index.json (HF layout)
  gqa3-untied.reference.json
                         float64 outputs: next-token log-probs and log-sum-exp at 1,024 positions, full logit rows
                         and final hidden states at probe positions up to 1,023, mean-NLL gradients, a left-padded
                         batch, and a float64 greedy continuation.

Weights come from tools/model/qwen2_eager.py make (seeded); an existing model.safetensors is kept (the weights are
repository data) unless --remake is given. Outputs come from forward() below, an eager implementation written
for this script (HF semantics: fp32 RoPE tables, half-split rotation, GQA, causal + padding masks, position ids
cumsum(mask)-1), cross-checked against qwen2_eager.Qwen2 to 1e-9.
"""
import json, math, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, 'tests', 'ToolRL.Tests', 'Fixtures', 'model')
sys.path.insert(0, HERE)
import qwen2_eager  # noqa: E402

MODEL = os.path.join(OUT, 'gqa3-untied')
SHARDED = os.path.join(OUT, 'gqa3-untied-sharded')
TINY = os.path.join(OUT, 'tiny-random-qwen2')
CHAT_CASES = os.path.join(REPO, 'tests', 'ToolRL.Tests', 'Fixtures', 'tokenizer', 'chat_cases.json')
REMAKE = '--remake' in sys.argv[1:]


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
    names = sorted(tensors)
    groups = [names[:split], names[split:]]
    weight_map, total = {}, 0
    for n, group in enumerate(groups, 1):
        fname = f'model-{n:05d}-of-{len(groups):05d}.safetensors'
        shard = {name: tensors[name].to(torch.float32) for name in group}
        qwen2_eager.save_safetensors(os.path.join(folder, fname), shard, {'format': 'pt'})
        for name, t in shard.items():
            weight_map[name] = fname
            total += t.numel() * 4
    with open(os.path.join(folder, 'model.safetensors.index.json'), 'w') as f:
        json.dump({'metadata': {'total_size': total}, 'weight_map': weight_map}, f, indent=2)


def make_model(folder, *args, remake=False):
    """qwen2_eager.py make, unless the folder already holds the repository's weights."""
    if remake or REMAKE or not os.path.exists(os.path.join(folder, 'model.safetensors')):
        sys.argv = ['qwen2_eager.py', 'make', folder, *map(str, args)]
        qwen2_eager.main()
    with open(os.path.join(folder, 'config.json')) as f:
        cfg = json.load(f)
    return cfg, {k: v.to(torch.float32) for k, v in qwen2_eager.load_safetensors(os.path.join(folder, 'model.safetensors')).items()}


def cross_check(cfg, w32, ids, logits):
    """Two independent eager implementations must agree."""
    other = qwen2_eager.Qwen2(cfg, w32, torch.float64)
    with torch.no_grad():
        theirs = other.logits(other.forward(ids))
    assert torch.allclose(logits, theirs, rtol=1e-9, atol=1e-9), (logits - theirs).abs().max()


GENERATION_CONFIG = {
    # Qwen2.5-Instruct's sampling defaults (its generation_config.json), so the loader sees a real eos list.
    'bos_token_id': 151643, 'pad_token_id': 151643, 'do_sample': True, 'eos_token_id': [151645, 151643],
    'repetition_penalty': 1.1, 'temperature': 0.7, 'top_p': 0.8, 'top_k': 20,
}


def tiny_top5_is_unambiguous(cfg, w32, ids):
    """True when every position's top-6 logits are apart by > 1e-3, so float32 finds the same top-5 ids."""
    model = qwen2_eager.Qwen2(cfg, w32, torch.float64)
    with torch.no_grad():
        top = model.logits(model.forward(ids))[0].topk(6, -1).values
    return bool(((top[:, :-1] - top[:, 1:]) > 1e-3).all())


def make_tiny():
    ids = torch.tensor([next(c for c in json.load(open(CHAT_CASES))['cases'] if c['name'] == 'system, user, assistant, user')['ids']])
    seed, near_tie = 20261207, False
    while True:
        cfg, w32 = make_model(TINY, '--hidden', 8, '--layers', 2, '--heads', 2, '--kv', 1, '--inter', 16, '--seed', seed, remake=near_tie)
        if tiny_top5_is_unambiguous(cfg, w32, ids):
            break
        seed, near_tie = seed + 1, True                                         # a near-tie in some top-5: next seed
    with open(os.path.join(TINY, 'generation_config.json'), 'w') as f:
        json.dump(GENERATION_CONFIG, f, indent=2)
        f.write('\n')
    w = {k: v.double() for k, v in w32.items()}
    T = ids.shape[1]
    with torch.no_grad():
        states = []
        model = qwen2_eager.Qwen2(cfg, w32, torch.float64)
        final = model.forward(ids, hidden_states=states)
        mine, logits = forward(cfg, w, ids)
        assert torch.allclose(final, mine, rtol=1e-9, atol=1e-9)
    cross_check(cfg, w32, ids, logits)
    lsm = logits[0].log_softmax(-1)
    next_lp = lsm[:-1].gather(-1, ids[0, 1:, None])[:, 0]
    probe_ids = [0, 1, 13, 198, 9707, 151643, 151644, 151645, 151935]
    top = logits[0].topk(5, -1)

    # Gradients of the mean next-token NLL (float64 autograd); the tied embedding gets both the lookup's and the
    # output projection's share.
    wg = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    _, lg = forward(cfg, wg, ids)
    loss = torch.nn.functional.cross_entropy(lg[0, :-1], ids[0, 1:])
    loss.backward()
    grad_names = ['model.norm.weight', 'model.layers.0.self_attn.q_proj.bias', 'model.layers.1.mlp.down_proj.weight',
                  'model.layers.0.input_layernorm.weight']
    grad_rows = [198, 151644, 77091]
    with torch.no_grad():
        score = torch.tensor([[1, 2, 3, 4]])
        score_lp = model.logits(model.forward(score))[0].log_softmax(-1)
    ref = {
        'description': 'float64 reference for tiny-random-qwen2 (tools/model/make_fixtures.py); weights = BF16 file upcast; '
                       'input = the "system, user, assistant, user" chat case of Fixtures/tokenizer/chat_cases.json; '
                       'no padding, position ids 0..T-1.',
        'input_ids': ids[0].tolist(),
        'hidden_states_per_layer_output': {
            'embeddings': states[0][0].tolist(), 'after_layer_1': states[1][0].tolist(), 'after_layer_2': states[2][0].tolist()},
        'final_norm_output': final[0].tolist(),
        'logits_at_probe_ids': {'probe_ids': probe_ids, 'values': logits[0][:, probe_ids].tolist()},
        'top5_per_position': {'ids': top.indices.tolist(), 'values': top.values.tolist()},
        'logsumexp_per_position': logits[0].logsumexp(-1).tolist(),
        'next_token_logprobs': next_lp.tolist(),
        'mean_nll_loss': loss.item(),
        'grad_of_mean_nll': {n: wg[n].grad.tolist() for n in grad_names},
        'grad_embed_tokens_rows': {'row_ids': grad_rows, 'values': wg['model.embed_tokens.weight'].grad[grad_rows].tolist()},
        'score_ids_1_2_3_4': [score_lp[t - 1, t + 1].item() for t in range(1, 4)],
    }
    assert T == len(ref['input_ids'])
    with open(os.path.join(TINY, 'reference_outputs.json'), 'w') as f:
        json.dump(ref, f)
    print('wrote', TINY, 'seed', seed, 'mean nll', loss.item())


def main():
    os.makedirs(OUT, exist_ok=True)
    make_tiny()
    cfg, w32 = make_model(MODEL, '--hidden', 48, '--layers', 2, '--heads', 6, '--kv', 2, '--inter', 64, '--vocab', 512, '--untied', '--seed', 7)
    write_sharded(w32, SHARDED, split=9)
    with open(os.path.join(SHARDED, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    w = {k: v.double() for k, v in w32.items()}

    g = torch.Generator().manual_seed(11)
    T = 1024
    ids = torch.randint(0, cfg['vocab_size'], (1, T), generator=g)
    with torch.no_grad():
        hidden, logits = forward(cfg, w, ids)
    cross_check(cfg, w32, ids, logits)
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
