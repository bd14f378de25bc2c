"""SFT training parity: replays a run of ToolRL.NET's SftTrainer in plain PyTorch and compares the losses step by step
(run with /usr/bin/python3, Debian's python3-torch; docs/copying.md).

The .NET side writes a run folder: init/ (the initial weights, Hugging Face layout), run.json with the training
sequences (prompt and response ids), the batches in the order the trainer took them, and its per-step sft/loss,
sft/lr and sft/grad_norm. This script trains the same model from the same weights on the same batches with the
textbook recipe, written independently of the .NET code:
  loss  = -(sum of log p(response token | prefix)) / (response tokens in the batch)   (token-mean, SFT)
  batch = left-padded prompts + right-padded responses, position ids cumsum(mask) - 1 (transformers' generate)
  clip  = torch.nn.utils.clip_grad_norm_(max_grad_norm)
  step  = torch.optim.AdamW(betas (0.9, 0.999), eps 1e-8, weight_decay) at the step's learning rate
  lr    = linear warm-up over int(warmup_ratio * total) (at least 1) steps, then cosine to 0; step s (1-based)
          trains at the rate after s scheduler steps (transformers' get_cosine_schedule_with_warmup, shifted by one)

  copy_parity.py compare RUN_DIR [--steps N] [--float64]        prints step, .NET loss, PyTorch loss, relative difference
  copy_parity.py make-fixture OUT_DIR                          a small random model (init/), copy-task sequences and the
                                                                PyTorch losses, lrs and grad norms of training on them, in
                                                                the order the sequences are trained (sft_parity.json);
                                                                tests/ToolRL.Tests/Training/CopyTrainingParityTests.cs
                                                                trains the same with SftTrainer and compares
"""
import argparse, json, math, os, sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qwen2_eager import Qwen2, load_weights, save_safetensors  # noqa: E402


class PaddedQwen2(Qwen2):
    """qwen2_eager's model with a left-padding query row allowed to see itself: otherwise its softmax over no key is
    NaN, and 0 x NaN in the next layer's attention (and in the backward) spreads it to the real tokens. The real
    tokens' keys and values are unchanged (padding keys stay masked for them)."""

    def attention(self, i, h, cos, sin, allowed, cache):
        T = allowed.shape[1]
        return super().attention(i, h, cos, sin, allowed | torch.eye(T, allowed.shape[2], dtype=torch.bool)[None], cache)


def cosine_lr(step, warmup, total, base):
    if step < warmup:
        return base * step / max(1, warmup)
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def make_batch(sequences, indices, pad):
    """ids, attention mask [B, P + R] and the response mask [B, R]: prompts left-padded, responses right-padded."""
    prompts = [sequences[i]['prompt'] for i in indices]
    responses = [sequences[i]['response'] for i in indices]
    P, R = max(map(len, prompts)), max(map(len, responses))
    ids = torch.full((len(indices), P + R), pad, dtype=torch.int64)
    mask = torch.zeros(len(indices), P + R, dtype=torch.int64)
    rmask = torch.zeros(len(indices), R)
    for b, (p, r) in enumerate(zip(prompts, responses)):
        ids[b, P - len(p):P] = torch.tensor(p)
        mask[b, P - len(p):P] = 1
        ids[b, P:P + len(r)] = torch.tensor(r)
        mask[b, P:P + len(r)] = 1
        rmask[b, :len(r)] = 1
    return ids, mask, rmask, P, R


def replay(run_dir, steps, dtype, warmup_ratio=0.05):
    run = json.load(open(os.path.join(run_dir, 'run.json')))
    init = os.path.join(run_dir, 'init')
    model = PaddedQwen2(json.load(open(os.path.join(init, 'config.json'))), load_weights(init), dtype)
    params = model.parameters()
    for p in params:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(params, lr=run['lr'], betas=(0.9, 0.999), eps=1e-8, weight_decay=run['weight_decay'])
    total = len(run['batches'])
    warmup = max(1, int(warmup_ratio * total))
    out = []
    for step, indices in enumerate(run['batches'][:steps], start=1):
        ids, mask, rmask, P, R = make_batch(run['sequences'], indices, run['pad'])
        hidden = model.forward(ids, mask)                                       # [B, P+R, H]
        logits = model.logits(hidden[:, P - 1:P + R - 1])                       # position t-1 predicts token t
        logp = logits.float().log_softmax(-1).gather(-1, ids[:, P:, None]).squeeze(-1)
        loss = -(logp * rmask).sum() / rmask.sum()
        optimizer.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, run['max_grad_norm']).item()
        lr = cosine_lr(step, warmup, total, run['lr'])
        for group in optimizer.param_groups:
            group['lr'] = lr
        optimizer.step()
        out.append({'loss': loss.item(), 'lr': lr, 'grad_norm': norm})
    return run, out


def compare(args):
    run, ours = replay(args.run, args.steps, torch.float64 if args.float64 else torch.float32)
    worst = 0.0
    print('step  dotnet_loss  torch_loss  rel_diff  dotnet_lr  torch_lr  dotnet_norm  torch_norm')
    for s, o in enumerate(ours):
        ref = run['losses'][s]
        rel = abs(ref - o['loss']) / abs(o['loss'])
        worst = max(worst, rel)
        print(f"{s + 1:4d}  {ref:.6f}  {o['loss']:.6f}  {rel:.2e}  {run['lrs'][s]:.3e}  {o['lr']:.3e}  {run['grad_norms'][s]:.4f}  {o['grad_norm']:.4f}")
    print(json.dumps({'steps': len(ours), 'max_rel_diff': worst}))


FIXTURE_MODEL = {'hidden': 32, 'layers': 2, 'heads': 4, 'kv': 2, 'inter': 64, 'vocab': 64}
FIXTURE_RUN = {'steps': 20, 'batch_size': 8, 'micro_batch_size': 4, 'lr': 4e-3, 'weight_decay': 0.01, 'max_grad_norm': 1.0,
               'warmup_ratio': 0.05, 'seed': 5}
PAD, END, SEP, MARKER, DIGIT0 = 0, 1, 2, 3, 10


def copy_sequence(gen):
    """A prompt of fixed tokens, 0-6 filler tokens, the marker and 2-5 digits, then the separator; the response
    repeats the digits and ends. The lengths vary, so the batches have left and right padding."""
    rand = lambda lo, hi: int(torch.randint(lo, hi, (1,), generator=gen))
    digits = [DIGIT0 + rand(0, 10) for _ in range(rand(2, 6))]
    filler = [rand(20, FIXTURE_MODEL['vocab']) for _ in range(rand(0, 7))]
    return {'prompt': [4, 5] + filler + [MARKER] + digits + [SEP], 'response': digits + [END]}


def make_fixture(args):
    """Initial weights as transformers initialises a Qwen2 (normal(0, 0.02) matrices, zero biases, unit norms), then
    the SFT recipe of replay() over micro-batches (gradients accumulated, token-mean over the whole batch)."""
    m, r = FIXTURE_MODEL, FIXTURE_RUN
    gen = torch.Generator().manual_seed(r['seed'])
    H, NH, KV, I, V = m['hidden'], m['heads'], m['kv'], m['inter'], m['vocab']
    hd = H // NH
    normal = lambda *shape: torch.randn(*shape, generator=gen) * 0.02
    w = {'model.embed_tokens.weight': normal(V, H), 'model.norm.weight': torch.ones(H)}
    for i in range(m['layers']):
        p = f'model.layers.{i}.'
        w[p + 'input_layernorm.weight'] = torch.ones(H)
        w[p + 'post_attention_layernorm.weight'] = torch.ones(H)
        for proj, rows in (('q', NH * hd), ('k', KV * hd), ('v', KV * hd)):
            w[p + f'self_attn.{proj}_proj.weight'] = normal(rows, H)
            w[p + f'self_attn.{proj}_proj.bias'] = torch.zeros(rows)
        w[p + 'self_attn.o_proj.weight'] = normal(H, NH * hd)
        w[p + 'mlp.gate_proj.weight'] = normal(I, H)
        w[p + 'mlp.up_proj.weight'] = normal(I, H)
        w[p + 'mlp.down_proj.weight'] = normal(H, I)
    config = {
        'architectures': ['Qwen2ForCausalLM'], 'model_type': 'qwen2', 'hidden_act': 'silu', 'hidden_size': H,
        'intermediate_size': I, 'num_hidden_layers': m['layers'], 'num_attention_heads': NH, 'num_key_value_heads': KV,
        'vocab_size': V, 'rms_norm_eps': 1e-6, 'rope_theta': 10000.0, 'max_position_embeddings': 1024,
        'tie_word_embeddings': True, 'torch_dtype': 'float32', 'eos_token_id': END, 'pad_token_id': PAD,
        'use_sliding_window': False, 'sliding_window': 1024, 'max_window_layers': m['layers'], 'attention_dropout': 0.0,
        'initializer_range': 0.02,
    }
    init = os.path.join(args.out, 'init')
    os.makedirs(init, exist_ok=True)
    save_safetensors(os.path.join(init, 'model.safetensors'), w, {'format': 'pt'})
    with open(os.path.join(init, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
        f.write('\n')
    sequences = [copy_sequence(gen) for _ in range(r['steps'] * r['batch_size'])]
    model = PaddedQwen2(config, {k: v.clone() for k, v in w.items()}, torch.float32)
    params = model.parameters()
    for p in params:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(params, lr=r['lr'], betas=(0.9, 0.999), eps=1e-8, weight_decay=r['weight_decay'])
    warmup = max(1, int(r['warmup_ratio'] * r['steps']))
    losses, lrs, norms = [], [], []
    for step in range(1, r['steps'] + 1):
        batch = list(range((step - 1) * r['batch_size'], step * r['batch_size']))
        tokens = sum(len(sequences[i]['response']) for i in batch)
        optimizer.zero_grad()
        total = 0.0
        for k in range(0, len(batch), r['micro_batch_size']):
            ids, mask, rmask, P, R = make_batch(sequences, batch[k:k + r['micro_batch_size']], PAD)
            logits = model.logits(model.forward(ids, mask)[:, P - 1:P + R - 1])
            logp = logits.log_softmax(-1).gather(-1, ids[:, P:, None]).squeeze(-1)
            loss = -(logp * rmask).sum() / tokens
            loss.backward()
            total += loss.item()
        norms.append(torch.nn.utils.clip_grad_norm_(params, r['max_grad_norm']).item())
        lrs.append(cosine_lr(step, warmup, r['steps'], r['lr']))
        for group in optimizer.param_groups:
            group['lr'] = lrs[-1]
        optimizer.step()
        losses.append(total)
    with open(os.path.join(args.out, 'sft_parity.json'), 'w') as f:
        json.dump({'model': m, 'run': r, 'pad': PAD, 'sequences': sequences, 'losses': losses, 'lrs': lrs, 'grad_norms': norms}, f)
        f.write('\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    c = sub.add_parser('compare')
    c.add_argument('run')
    c.add_argument('--steps', type=int, default=50)
    c.add_argument('--float64', action='store_true')
    f = sub.add_parser('make-fixture')
    f.add_argument('out')
    args = parser.parse_args()
    torch.set_num_threads(1)
    {'compare': compare, 'make-fixture': make_fixture}[args.command](args)


if __name__ == '__main__':
    main()
