"""Fixtures for the Qwen3 and Llama 3.x model tests (rerun: /usr/bin/python3 tools/model/make_family_fixtures.py [--remake]).

Writes tests/ToolRL.Tests/Fixtures/model/:
  qwen3-hd16/            a random Qwen3 (model_type "qwen3"): hidden 32, 4 query heads of head_dim 16 (≠ 32/4), GQA 2:1,
                         q_norm/k_norm, no biases, tied lm_head like Qwen3 0.6B-4B, vocab 384, 2 layers, BF16
  llama3-scaled/         a random Llama 3.x (model_type "llama"): hidden 64, GQA 4:2 (head_dim 16), untied lm_head like
                         Llama 3.1 8B, rope_theta 500000 with rope_scaling llama3 (factor 32, low 1, high 4, original
                         context 64), so all three frequency bands (kept, smoothed, divided) occur and the scaled
                         frequencies act inside the 256 tested positions, vocab 384, 2 layers, BF16
  <name>.reference.json  float64 outputs on 256 seeded ids: inverse RoPE frequencies, per-layer hidden states and final
                         hidden states at probe positions, full logit rows there, log-sum-exp and next-token log-probs at
                         every position, mean-NLL gradients (q_norm/k_norm too), a left-padded batch, a greedy
                         continuation, and log-probs of ids [1, 2, 3, 4] for `toolrl score`.

Weights come from tools/model/qwen2_eager.py make (seeded); an existing model.safetensors is kept unless --remake is
given. Outputs come from forward() below, written for this script after transformers' modeling_qwen3.py and
modeling_llama.py, cross-checked against qwen2_eager.Qwen2 to 1e-9 (the llama3 frequency rule is shared:
qwen2_eager.llama3_inv_freq).
"""
import json, math, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, 'tests', 'ToolRL.Tests', 'Fixtures', 'model')
sys.path.insert(0, HERE)
import qwen2_eager  # noqa: E402

REMAKE = '--remake' in sys.argv[1:]

FIXTURES = {
    'qwen3-hd16': ['--arch', 'qwen3', '--hidden', 32, '--layers', 2, '--heads', 4, '--kv', 2, '--head-dim', 16, '--inter', 64,
                   '--vocab', 384, '--seed', 31],
    'llama3-scaled': ['--arch', 'llama', '--hidden', 64, '--layers', 2, '--heads', 4, '--kv', 2, '--inter', 128, '--vocab', 384,
                      '--untied', '--rope-theta', 500000.0, '--llama3-scaling', '32,1,4,64', '--seed', 32],
}


def rms(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def inverse_frequencies(cfg):
    hd = cfg.get('head_dim') or cfg['hidden_size'] // cfg['num_attention_heads']
    inv = 1.0 / (cfg['rope_theta'] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))   # float32, as transformers
    scaling = cfg.get('rope_scaling')
    return qwen2_eager.llama3_inv_freq(inv, scaling) if scaling else inv


def forward(cfg, w, ids, mask=None, unscaled_rope=False):
    """(per-layer residual streams [embeddings, after layer 1, …], final hidden [B,T,H], logits [B,T,V]) in w's dtype."""
    B, T = ids.shape
    nh, kv = cfg['num_attention_heads'], cfg['num_key_value_heads']
    hd = cfg.get('head_dim') or cfg['hidden_size'] // nh
    eps = cfg['rms_norm_eps']
    dtype = w['model.norm.weight'].dtype
    if mask is None:
        mask = torch.ones(B, T, dtype=torch.int64)
    pos = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 1)
    inv = inverse_frequencies({**cfg, 'rope_scaling': None} if unscaled_rope else cfg)
    f = pos.float()[..., None] * inv                                            # [B,T,hd/2] float32
    emb = torch.cat([f, f], -1)
    cos, sin = emb.cos().to(dtype)[:, None], emb.sin().to(dtype)[:, None]       # [B,1,T,hd]
    allowed = torch.ones(T, T, dtype=torch.bool).tril()[None] & (mask[:, None, :] == 1)
    half = hd // 2
    rot = lambda x: x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin
    x = w['model.embed_tokens.weight'][ids]
    states = [x]
    for i in range(cfg['num_hidden_layers']):
        p = f'model.layers.{i}.'
        h = rms(x, w[p + 'input_layernorm.weight'], eps)
        q = (h @ w[p + 'self_attn.q_proj.weight'].T).view(B, T, nh, hd)
        k = (h @ w[p + 'self_attn.k_proj.weight'].T).view(B, T, kv, hd)
        v = (h @ w[p + 'self_attn.v_proj.weight'].T).view(B, T, kv, hd).transpose(1, 2)
        if cfg['model_type'] == 'qwen3':                                        # per-head RMSNorm over head_dim, then rotary
            q, k = rms(q, w[p + 'self_attn.q_norm.weight'], eps), rms(k, w[p + 'self_attn.k_norm.weight'], eps)
        q, k = rot(q.transpose(1, 2)), rot(k.transpose(1, 2))
        k, v = k.repeat_interleave(nh // kv, 1), v.repeat_interleave(nh // kv, 1)
        s = (q @ k.transpose(-1, -2)) * hd ** -0.5
        s = s.masked_fill(~allowed[:, None], torch.finfo(s.dtype).min)
        o = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, nh * hd)
        x = x + o @ w[p + 'self_attn.o_proj.weight'].T
        h = rms(x, w[p + 'post_attention_layernorm.weight'], eps)
        x = x + (torch.nn.functional.silu(h @ w[p + 'mlp.gate_proj.weight'].T) * (h @ w[p + 'mlp.up_proj.weight'].T)) @ w[p + 'mlp.down_proj.weight'].T
        states.append(x)
    x = rms(x, w['model.norm.weight'], eps)
    head = w.get('lm_head.weight', w['model.embed_tokens.weight'])
    return states, x, x @ head.T


def make_model(name):
    folder = os.path.join(OUT, name)
    if REMAKE or not os.path.exists(os.path.join(folder, 'model.safetensors')):
        sys.argv = ['qwen2_eager.py', 'make', folder, *map(str, FIXTURES[name])]
        qwen2_eager.main()
    with open(os.path.join(folder, 'config.json')) as f:
        cfg = json.load(f)
    return cfg, {k: v.to(torch.float32) for k, v in qwen2_eager.load_safetensors(os.path.join(folder, 'model.safetensors')).items()}


def reference(name):
    cfg, w32 = make_model(name)
    w = {k: v.double() for k, v in w32.items()}
    T = 256
    ids = torch.randint(0, cfg['vocab_size'], (1, T), generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        states, hidden, logits = forward(cfg, w, ids)
        other = qwen2_eager.Qwen2(cfg, w32, torch.float64)
        theirs = other.logits(other.forward(ids))
        assert torch.allclose(logits, theirs, rtol=1e-9, atol=1e-9), (logits - theirs).abs().max()
        if cfg.get('rope_scaling'):
            _, _, plain = forward(cfg, w, ids, unscaled_rope=True)
            effect = (plain - logits).abs().max().item()
            assert effect > 1e-2, f'rope scaling barely changes the logits ({effect})'
    lsm = logits.log_softmax(-1)[0]
    next_lp = lsm[:-1].gather(-1, ids[0, 1:, None])[:, 0]
    probes = [0, 1, 17, 63, 64, 65, 128, 200, 255]

    n = 65
    wg = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    _, _, lg = forward(cfg, wg, ids[:, :n])
    loss = torch.nn.functional.cross_entropy(lg[0, :-1], ids[0, 1:n])
    loss.backward()
    grad_names = ['model.norm.weight', 'model.layers.0.self_attn.q_proj.weight', 'model.layers.1.self_attn.o_proj.weight',
                  'model.layers.1.mlp.down_proj.weight', 'model.layers.0.input_layernorm.weight']
    if cfg['model_type'] == 'qwen3':
        grad_names += ['model.layers.0.self_attn.q_norm.weight', 'model.layers.1.self_attn.k_norm.weight']
    grad_rows = sorted(set(ids[0, :5].tolist()))

    a, b = ids[0, 100:107], ids[0, 150:162]
    batch = torch.zeros(2, 12, dtype=torch.int64); mask = torch.zeros(2, 12, dtype=torch.int64)
    batch[0, 5:] = a; mask[0, 5:] = 1; batch[1] = b; mask[1] = 1
    with torch.no_grad():
        _, _, pl = forward(cfg, w, batch, mask)
        _, _, la = forward(cfg, w, a[None])
        assert torch.allclose(pl[0, 5:], la[0], atol=1e-9)
        seq, margins = ids[0, :70].tolist(), []                                 # the prompt crosses the original context (64)
        for _ in range(12):
            _, _, l = forward(cfg, w, torch.tensor([seq]))
            top = l[0, -1].topk(2).values
            margins.append((top[0] - top[1]).item())
            seq.append(int(l[0, -1].argmax()))
        _, _, sl = forward(cfg, w, torch.tensor([[1, 2, 3, 4]]))
        score_lp = sl[0].log_softmax(-1)

    ref = {
        'description': f'float64 reference for {name} (tools/model/make_family_fixtures.py); weights = BF16 file upcast; '
                       'no padding, position ids 0..T-1 unless stated.',
        'inverse_frequencies': inverse_frequencies(cfg).tolist(),
        'input_ids': ids[0].tolist(),
        'probe_positions': probes,
        'probe_hidden_states': [s[0, probes].tolist() for s in states],
        'probe_final_hidden': hidden[0, probes].tolist(),
        'probe_logits': logits[0, probes].tolist(),
        'logsumexp': logits[0].logsumexp(-1).tolist(),
        'next_token_logprobs': next_lp.tolist(),
        'grad_loss_prefix_length': n,
        'grad_mean_nll': loss.item(),
        'grads': {g: wg[g].grad.tolist() for g in grad_names},
        'grad_rows': grad_rows,
        'grad_embed_rows': wg['model.embed_tokens.weight'].grad[grad_rows].tolist(),
        'padded_batch': {'input_ids': batch.tolist(), 'attention_mask': mask.tolist(), 'logits_last': pl[:, -1].tolist()},
        'greedy': {'prompt': ids[0, :70].tolist(), 'continuation': seq[70:], 'min_top1_margin': min(margins)},
        'score_ids_1_2_3_4': [score_lp[t - 1, t + 1].item() for t in range(1, 4)],
    }
    if 'lm_head.weight' in w:
        ref['grad_lm_head_rows'] = wg['lm_head.weight'].grad[grad_rows].tolist()
    with open(os.path.join(OUT, name + '.reference.json'), 'w') as f:
        json.dump(ref, f)
    print('wrote', name, 'mean nll', loss.item(), 'min greedy margin', min(margins))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in FIXTURES:
        reference(name)


if __name__ == '__main__':
    main()
