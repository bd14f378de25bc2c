using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch.NN;

/// <summary>
/// Fused transformer building blocks: each is ONE call into the bridge instead of several (fewer temporaries
/// and managed↔native transitions in the decode loop). They reproduce Hugging Face's Qwen2 eager code exactly.
/// </summary>
public static class Functional
{
    /// <summary>
    /// Qwen2RMSNorm: <c>weight · (x / √(mean(x², −1) + eps)).to(x.dtype)</c> with the statistics in float32.
    /// </summary>
    public static Tensor RmsNorm(Tensor x, Tensor weight, double eps)
    {
        var r = trl_rms_norm(x.Handle, weight.Handle, eps);
        GC.KeepAlive(x);
        GC.KeepAlive(weight);
        return Tensor.Wrap(r);
    }

    /// <summary>SwiGLU activation: silu(gate) · up.</summary>
    public static Tensor SiluMul(Tensor gate, Tensor up)
    {
        var r = trl_silu_mul(gate.Handle, up.Handle);
        GC.KeepAlive(gate);
        GC.KeepAlive(up);
        return Tensor.Wrap(r);
    }

    /// <summary>
    /// Rotary embedding (HF apply_rotary_pos_emb for one tensor): x·cos + rotate_half(x)·sin, where
    /// rotate_half(x) = cat(−x[…, d/2:], x[…, :d/2]); <paramref name="cos"/>/<paramref name="sin"/> broadcast against x.
    /// </summary>
    public static Tensor ApplyRotary(Tensor x, Tensor cos, Tensor sin)
    {
        var r = trl_rotary(x.Handle, cos.Handle, sin.Handle);
        GC.KeepAlive(x);
        GC.KeepAlive(cos);
        GC.KeepAlive(sin);
        return Tensor.Wrap(r);
    }

    /// <summary>
    /// Eager scaled-dot-product attention as HF Qwen2 computes it: softmax(q·kᵀ·scale + mask) · v, softmax in
    /// float32. q [B, H, T, D]; k, v [B, Hkv, S, D] (grouped-query heads are repeated when H is a multiple of
    /// Hkv). <paramref name="mask"/>: null, a bool tensor (true = may attend) or an additive float tensor,
    /// broadcastable to [B, H, T, S]. <paramref name="causal"/>: query i, at absolute position S−T+i, sees keys
    /// ≤ its position (so it also works for the newest T tokens against a longer KV cache). Masked scores take
    /// the dtype's lowest finite value, keeping fully-masked padding rows finite. Returns [B, H, T, D].
    /// </summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, double? scale = null)
    {
        var s = scale ?? 1.0 / Math.Sqrt(q.Size(-1));
        var r = trl_attention(q.Handle, k.Handle, v.Handle, mask?.Handle ?? IntPtr.Zero, causal ? 1 : 0, s);
        GC.KeepAlive(q);
        GC.KeepAlive(k);
        GC.KeepAlive(v);
        GC.KeepAlive(mask);
        return Tensor.Wrap(r);
    }

    /// <summary>
    /// log p(ids) under softmax(logits) in float32: logits.gather(ids) − logsumexp(logits), without building
    /// the full log-softmax. logits [..., V], ids [...] int64 → [...]. Differentiable.
    /// </summary>
    public static Tensor TokenLogProbs(Tensor logits, Tensor ids)
    {
        var r = trl_token_logprobs(logits.Handle, ids.Handle);
        GC.KeepAlive(logits);
        GC.KeepAlive(ids);
        return Tensor.Wrap(r);
    }

    /// <summary>Entropy of softmax(logits) over the last dim, in float32: logsumexp(l) − Σ softmax(l)·l.</summary>
    public static Tensor EntropyFromLogits(Tensor logits)
    {
        var r = trl_entropy_from_logits(logits.Handle);
        GC.KeepAlive(logits);
        return Tensor.Wrap(r);
    }
}
