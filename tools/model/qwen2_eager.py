"""A plain PyTorch-eager Qwen2 (and its relatives Qwen3 and Llama 3.x), written for ToolRL.NET: the float64 oracle
of the model fixtures and the reference the model benchmark measures against (run with /usr/bin/python3, Debian's
python3-torch).

It follows transformers' models/qwen2/modeling_qwen2.py (Qwen2ForCausalLM, eager attention): RMSNorm in the
working dtype, RoPE angles in float32 with the half-split rotation, grouped-query attention by repeating the KV
heads, a causal (and optional left-padding) mask, a SiLU-gated MLP, lm_head tied to the embedding unless the
checkpoint has its own. Nothing here is fused or compiled: each step is the textbook op, so the benchmark
compares our engine with what a user gets from eager PyTorch on the same libtorch.

The variations of the other two architectures are marked where they act:
  qwen3 (modeling_qwen3.py): RMSNorm over each head's queries and keys (q_norm, k_norm) before rotary, no q/k/v
        bias (attention_bias, default false, puts a bias on q, k, v and o), head_dim from the config.
  llama (modeling_llama.py): no biases (attention_bias / mlp_bias switch them on), head_dim from the config or
        hidden/heads, and rope_scaling of type "llama3", computed as _compute_llama3_parameters does.

  qwen2_eager.py make DIR --hidden H --layers L --heads NH --kv KV --inter I [--vocab V] [--untied] [--seed S]
                     [--arch qwen2|qwen3|llama] [--head-dim HD] [--rope-theta θ] [--llama3-scaling F,LOW,HIGH,ORIGINAL]
  qwen2_eager.py logprobs DIR IDS_JSON          log p(ids[t] | ids[:t]) for t >= 1, float64, as a JSON list
  qwen2_eager.py bench-train DIR [--batch B] [--seq T] [--steps N]
                                                float32 forward + backward + AdamW step: {"tokens_per_s", "step_s"}
  qwen2_eager.py bench-generate DIR [--batch B] [--prompt P] [--new N]
                                                float32 greedy decoding with a KV cache: {"generated_tokens_per_s", "total_s"}
"""
import argparse, json, math, os, struct, time
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------- safetensors

_DTYPES = {'BF16': torch.bfloat16, 'F16': torch.float16, 'F32': torch.float32, 'F64': torch.float64}
_NAMES = {v: k for k, v in _DTYPES.items()}


def load_safetensors(path):
    """{name: tensor} in each tensor's stored dtype (the format: u64 header length, JSON header, raw little-endian data)."""
    with open(path, 'rb') as f:
        header_len = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(header_len))
        data = bytearray(f.read())
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        start, end = entry['data_offsets']
        dtype = _DTYPES[entry['dtype']]
        size = torch.empty(0, dtype=dtype).element_size()
        flat = torch.frombuffer(data, dtype=dtype, count=(end - start) // size, offset=start) if end > start else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry['shape']).clone()
    return tensors


def save_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} in each tensor's dtype, names sorted, header padded to 8 bytes as the format recommends."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': _NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def load_weights(folder):
    """model.safetensors, or every shard named by model.safetensors.index.json."""
    index = os.path.join(folder, 'model.safetensors.index.json')
    if not os.path.exists(index):
        return load_safetensors(os.path.join(folder, 'model.safetensors'))
    weights = {}
    for shard in sorted(set(json.load(open(index))['weight_map'].values())):
        weights.update(load_safetensors(os.path.join(folder, shard)))
    return weights

# ---------------------------------------------------------------------------------------------- the model


def llama3_inv_freq(inv_freq, scaling):
    """Llama 3.x RoPE scaling (transformers' _compute_llama3_parameters), in float32 like the original: wavelengths
    shorter than original/high_freq_factor keep their frequency, longer than original/low_freq_factor are divided by
    factor, the band between is interpolated smoothly."""
    factor, low, high = scaling['factor'], scaling['low_freq_factor'], scaling['high_freq_factor']
    original = scaling['original_max_position_embeddings']
    low_wavelen, high_wavelen = original / low, original / high
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (original / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


class Qwen2:
    """Qwen2ForCausalLM (or Qwen3ForCausalLM / LlamaForCausalLM, by config model_type) over a {HF name: tensor} dict,
    every weight cast to one working dtype. Biases and q/k norms are used when the checkpoint has them."""

    def __init__(self, config, weights, dtype):
        self.config = config
        self.dtype = dtype
        self.weights = {name: t.to(dtype) for name, t in weights.items()}
        self.heads = config['num_attention_heads']
        self.kv_heads = config.get('num_key_value_heads', self.heads)
        self.head_dim = config.get('head_dim') or config['hidden_size'] // self.heads
        self.eps = config['rms_norm_eps']
        self.theta = config.get('rope_theta', 10000.0)
        scaling = config.get('rope_scaling') or {}
        self.llama3_scaling = scaling if scaling.get('rope_type', scaling.get('type')) == 'llama3' else None

    @staticmethod
    def load(folder, dtype=torch.float64):
        with open(os.path.join(folder, 'config.json')) as f:
            config = json.load(f)
        return Qwen2(config, load_weights(folder), dtype)

    def parameters(self):
        return list(self.weights.values())

    def w(self, name):
        return self.weights[name]

    def lm_head(self):
        return self.weights.get('lm_head.weight', self.weights['model.embed_tokens.weight'])

    def rms_norm(self, x, name):
        return self.w(name) * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def rope(self, positions):
        """cos, sin of shape [B, 1, T, head_dim]: angles in float32 as transformers computes them, then the working dtype."""
        inv_freq = 1.0 / (self.theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))
        if self.llama3_scaling is not None:                                     # llama: rope_scaling {"rope_type": "llama3"}
            inv_freq = llama3_inv_freq(inv_freq, self.llama3_scaling)
        angles = positions.float()[..., None] * inv_freq                        # [B, T, hd/2]
        angles = torch.cat([angles, angles], -1)                               # [B, T, hd]
        return angles.cos().to(self.dtype)[:, None], angles.sin().to(self.dtype)[:, None]

    @staticmethod
    def rotate(x, cos, sin):
        half = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def attention(self, i, h, cos, sin, allowed, cache):
        B, T, _ = h.shape
        p = f'model.layers.{i}.self_attn.'
        b = lambda name: self.weights.get(p + name + '.bias')                  # qwen2: q/k/v; qwen3, llama: attention_bias
        q = F.linear(h, self.w(p + 'q_proj.weight'), b('q_proj')).view(B, T, self.heads, self.head_dim)
        k = F.linear(h, self.w(p + 'k_proj.weight'), b('k_proj')).view(B, T, self.kv_heads, self.head_dim)
        v = F.linear(h, self.w(p + 'v_proj.weight'), b('v_proj')).view(B, T, self.kv_heads, self.head_dim).transpose(1, 2)
        if p + 'q_norm.weight' in self.weights:                                 # qwen3: per-head RMSNorm before rotary
            q, k = self.rms_norm(q, p + 'q_norm.weight'), self.rms_norm(k, p + 'k_norm.weight')
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        q, k = self.rotate(q, cos, sin), self.rotate(k, cos, sin)
        if cache is not None:
            if i in cache:
                k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
        group = self.heads // self.kv_heads
        k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)   # [B, NH, S, hd]
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)           # [B, NH, T, S]
        scores = scores.masked_fill(~allowed[:, None], float('-inf'))
        out = scores.softmax(-1) @ v                                            # [B, NH, T, hd]
        return F.linear(out.transpose(1, 2).reshape(B, T, self.heads * self.head_dim), self.w(p + 'o_proj.weight'), b('o_proj'))

    def mlp(self, i, h):
        p = f'model.layers.{i}.mlp.'
        b = lambda name: self.weights.get(p + name + '.bias')                  # llama: mlp_bias
        return F.linear(F.silu(F.linear(h, self.w(p + 'gate_proj.weight'), b('gate_proj'))) * F.linear(h, self.w(p + 'up_proj.weight'), b('up_proj')),
                        self.w(p + 'down_proj.weight'), b('down_proj'))

    def forward(self, ids, mask=None, cache=None, past=0, hidden_states=None):
        """Final-norm hidden states [B, T, H]. mask [B, past + T] of 0/1 marks real tokens (left padding); positions
        are cumsum(mask) - 1 as transformers' generate computes them. hidden_states, if a list, receives the
        embeddings and every layer's output."""
        B, T = ids.shape
        if mask is None:
            mask = torch.ones(B, past + T, dtype=torch.int64)
        positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 1)[:, past:]
        cos, sin = self.rope(positions)
        S = past + T
        causal = torch.ones(T, S, dtype=torch.bool).tril(past)
        allowed = causal[None] & (mask[:, None, :] == 1)                        # [B, T, S]
        x = self.w('model.embed_tokens.weight')[ids]
        if hidden_states is not None:
            hidden_states.append(x)
        for i in range(self.config['num_hidden_layers']):
            x = x + self.attention(i, self.rms_norm(x, f'model.layers.{i}.input_layernorm.weight'), cos, sin, allowed, cache)
            x = x + self.mlp(i, self.rms_norm(x, f'model.layers.{i}.post_attention_layernorm.weight'))
            if hidden_states is not None:
                hidden_states.append(x)
        return self.rms_norm(x, 'model.norm.weight')

    def logits(self, hidden):
        return hidden @ self.lm_head().T

# ---------------------------------------------------------------------------------------------- commands


ARCHITECTURES = {'qwen2': 'Qwen2ForCausalLM', 'qwen3': 'Qwen3ForCausalLM', 'llama': 'LlamaForCausalLM'}


def make(args):
    """A random Qwen2 / Qwen3 / Llama checkpoint in the Hugging Face layout (BF16 safetensors + config.json)."""
    torch.manual_seed(args.seed)
    H, NH, KV, I, V = args.hidden, args.heads, args.kv, args.inter, args.vocab
    hd = args.head_dim or H // NH
    bf16 = lambda t: t.to(torch.bfloat16)
    w = {'model.embed_tokens.weight': bf16(0.5 * torch.randn(V, H))}
    for i in range(args.layers):
        p = f'model.layers.{i}.'
        for norm in ('input_layernorm', 'post_attention_layernorm'):
            w[p + norm + '.weight'] = bf16(1 + 0.1 * torch.randn(H))
        for proj, rows in (('q', NH * hd), ('k', KV * hd), ('v', KV * hd)):
            w[p + f'self_attn.{proj}_proj.weight'] = bf16(torch.randn(rows, H) / math.sqrt(H))
            if args.arch == 'qwen2':                                            # only Qwen2 has q/k/v biases
                w[p + f'self_attn.{proj}_proj.bias'] = bf16(0.1 * torch.randn(rows))
        if args.arch == 'qwen3':
            for norm in ('q_norm', 'k_norm'):
                w[p + f'self_attn.{norm}.weight'] = bf16(1 + 0.1 * torch.randn(hd))
        w[p + 'self_attn.o_proj.weight'] = bf16(torch.randn(H, NH * hd) / math.sqrt(NH * hd))
        w[p + 'mlp.gate_proj.weight'] = bf16(torch.randn(I, H) / math.sqrt(H))
        w[p + 'mlp.up_proj.weight'] = bf16(torch.randn(I, H) / math.sqrt(H))
        w[p + 'mlp.down_proj.weight'] = bf16(torch.randn(H, I) / math.sqrt(I))
    w['model.norm.weight'] = bf16(1 + 0.1 * torch.randn(H))
    if args.untied:
        w['lm_head.weight'] = bf16(torch.randn(V, H) / math.sqrt(H))
    os.makedirs(args.dir, exist_ok=True)
    save_safetensors(os.path.join(args.dir, 'model.safetensors'), w, {'format': 'pt'})
    config = {
        'architectures': [ARCHITECTURES[args.arch]], 'model_type': args.arch, 'hidden_act': 'silu',
        'hidden_size': H, 'intermediate_size': I, 'num_hidden_layers': args.layers,
        'num_attention_heads': NH, 'num_key_value_heads': KV, 'vocab_size': V,
        'rms_norm_eps': 1e-6, 'rope_theta': args.rope_theta, 'max_position_embeddings': 32768,
        'tie_word_embeddings': not args.untied, 'torch_dtype': 'bfloat16',
        'bos_token_id': 151643, 'eos_token_id': 151645, 'attention_dropout': 0.0,
        'initializer_range': 0.02, 'use_cache': True,
    }
    if args.arch in ('qwen2', 'qwen3'):
        config.update({'use_sliding_window': False, 'sliding_window': 32768, 'max_window_layers': args.layers})
    if args.arch != 'qwen2':
        config.update({'attention_bias': False, 'head_dim': hd})
    if args.arch == 'llama':
        config.update({'mlp_bias': False, 'pretraining_tp': 1, 'bos_token_id': 128000, 'eos_token_id': [128001, 128008, 128009],
                       'max_position_embeddings': 131072})
        if args.llama3_scaling:
            factor, low, high, original = args.llama3_scaling.split(',')
            config['rope_scaling'] = {'rope_type': 'llama3', 'factor': float(factor), 'low_freq_factor': float(low),
                                      'high_freq_factor': float(high), 'original_max_position_embeddings': int(original)}
    with open(os.path.join(args.dir, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
        f.write('\n')


def logprobs(args):
    model = Qwen2.load(args.dir, torch.float64)
    ids = torch.tensor([json.loads(args.ids)])
    with torch.no_grad():
        lp = model.logits(model.forward(ids)).log_softmax(-1)[0]
    print(json.dumps([lp[t - 1, ids[0, t]].item() for t in range(1, ids.shape[1])]))


def bench_train(args):
    torch.manual_seed(0)
    model = Qwen2.load(args.dir, torch.float32)
    params = model.parameters()
    for p in params:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(params, lr=1e-5)
    vocab = model.config['vocab_size']
    ids = torch.randint(0, vocab, (args.batch, args.seq))

    def step():
        logits = model.logits(model.forward(ids[:, :-1]))
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()                                                                      # warm-up: allocations, AdamW state
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = (time.perf_counter() - start) / args.steps
    print(json.dumps({'tokens_per_s': args.batch * (args.seq - 1) / seconds, 'step_s': seconds}))


def bench_generate(args):
    torch.manual_seed(0)
    model = Qwen2.load(args.dir, torch.float32)
    prompt = torch.randint(0, model.config['vocab_size'], (args.batch, args.prompt))

    def run():
        cache = {}
        last = model.logits(model.forward(prompt, cache=cache)[:, -1:])
        for step in range(args.new - 1):
            token = last[:, -1].argmax(-1, keepdim=True)
            last = model.logits(model.forward(token, cache=cache, past=args.prompt + step))

    with torch.no_grad():
        run()                                                                   # warm-up
        start = time.perf_counter()
        run()
        seconds = time.perf_counter() - start
    print(json.dumps({'generated_tokens_per_s': args.batch * args.new / seconds, 'total_s': seconds}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    m = commands.add_parser('make')
    m.add_argument('dir')
    for name in ('hidden', 'layers', 'heads', 'kv', 'inter'):
        m.add_argument('--' + name, type=int, required=True)
    m.add_argument('--vocab', type=int, default=151936)
    m.add_argument('--untied', action='store_true')
    m.add_argument('--seed', type=int, default=1)
    m.add_argument('--arch', choices=sorted(ARCHITECTURES), default='qwen2')
    m.add_argument('--head-dim', type=int, default=None)
    m.add_argument('--rope-theta', type=float, default=1000000.0)
    m.add_argument('--llama3-scaling', default=None, help='FACTOR,LOW_FREQ_FACTOR,HIGH_FREQ_FACTOR,ORIGINAL_MAX_POSITIONS')
    lp = commands.add_parser('logprobs')
    lp.add_argument('dir')
    lp.add_argument('ids')
    bt = commands.add_parser('bench-train')
    bt.add_argument('dir')
    bt.add_argument('--batch', type=int, default=4)
    bt.add_argument('--seq', type=int, default=256)
    bt.add_argument('--steps', type=int, default=3)
    bg = commands.add_parser('bench-generate')
    bg.add_argument('dir')
    bg.add_argument('--batch', type=int, default=8)
    bg.add_argument('--prompt', type=int, default=256)
    bg.add_argument('--new', type=int, default=64)
    args = parser.parse_args()
    {'make': make, 'logprobs': logprobs, 'bench-train': bench_train, 'bench-generate': bench_generate}[args.command](args)


if __name__ == '__main__':
    main()
