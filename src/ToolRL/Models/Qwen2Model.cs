using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

// The Qwen2 decoder, in forward order, with Hugging Face eager semantics (transformers
// models/qwen2/modeling_qwen2.py; docs/model.md):
//   ids → embed_tokens → N × [x + Attn(RMSNorm(x)); x + MLP(RMSNorm(x))] → norm → hidden states.
// Qwen3 (modeling_qwen3.py) and Llama 3.x (modeling_llama.py) are the same stack with three variations, each marked
// "VARIATION" where it acts (Qwen2Config.Architecture):
//   biases      Qwen2: q, k, v.  Qwen3 / Llama: none, or q, k, v, o with attention_bias; Llama's MLP with mlp_bias.
//   q/k norm    Qwen3: RMSNorm over each head's hd features of q and k, before rotary.
//   rotary      Llama: rope_scaling "llama3" rescales the inverse frequencies once, at construction.
// Shapes: B batch, T new tokens, S attended positions (cache length + T), H hidden, nH/nKV query/key-value
// heads, hd head_dim, I intermediate. Module and parameter names are the checkpoint names, so the state
// dict of Qwen2ForCausalLM is exactly the Hugging Face one (model.layers.0.self_attn.q_proj.weight …).

/// <summary>Rotary tables: HF default RoPE (θ from config, full head_dim, half-split rotation, fp32 angles).</summary>
internal sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;

    public RotaryEmbedding(Qwen2Config config)
    {
        // inv_freq_i = 1 / θ^(2i/hd), evaluated in float32 like `arange(0, hd, 2).float() / hd`.
        var hd = config.HeadDim;
        var inverse = new float[hd / 2];
        for (var i = 0; i < inverse.Length; i++)
        {
            var exponent = (float)(2 * i) / hd;
            inverse[i] = 1f / MathF.Pow((float)config.RopeTheta, exponent);
        }
        // VARIATION rotary (Llama 3.x): low frequencies divided by the factor, a smooth band between.
        _inverseFrequencies = config.RopeScaling?.Apply(inverse) ?? inverse;
    }

    /// <summary>The inverse frequencies [hd/2] the angles are made of (after any scaling).</summary>
    public IReadOnlyList<float> InverseFrequencies => _inverseFrequencies;

    /// <summary>cos, sin [B, 1, T, hd] in <paramref name="dtype"/> for integer positions [B, T].</summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positions, DType dtype)
    {
        using var scope = NewScope();
        var inv = FromArray(_inverseFrequencies, _inverseFrequencies.Length).To(positions.Device);   // [hd/2]
        var angles = positions.To(DType.Float32).Unsqueeze(-1) * inv;                                // [B,T,hd/2] fp32
        var emb = Cat([angles, angles], -1);                                                        // [B,T,hd]
        var cos = emb.Cos().To(dtype).Unsqueeze(1);                                                 // [B,1,T,hd]
        var sin = emb.Sin().To(dtype).Unsqueeze(1);
        return (scope.MoveToOuter(cos), scope.MoveToOuter(sin));
    }
}

/// <summary>
/// y = x Wᵀ (+ b) (+ s · (x Aᵀ) Bᵀ when a LoRA adapter is attached), built from given tensors (names <c>weight</c>,
/// <c>bias</c>, and PEFT's <c>lora_A.weight</c>, <c>lora_B.weight</c>).
/// </summary>
internal sealed class Qwen2Linear : Module
{
    public Qwen2Linear(WeightSource source, string prefix, long inFeatures, long outFeatures, bool bias)
    {
        Weight = new Parameter(source.Take(prefix + ".weight", [outFeatures, inFeatures], WeightInit.Normal));
        RegisterParameter("weight", Weight);
        if (bias)
        {
            Bias = new Parameter(source.Take(prefix + ".bias", [outFeatures], WeightInit.Zeros));
            RegisterParameter("bias", Bias);
        }
    }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    /// <summary>The LoRA adapter, when one is attached (<see cref="Attach"/>).</summary>
    public LoraAdapter? Adapter { get; private set; }

    /// <summary>Attaches <paramref name="adapter"/> (A [r, in], B [out, r]); its matrices join the state dict as <c>lora_A</c>/<c>lora_B</c>.</summary>
    public void Attach(LoraAdapter adapter)
    {
        Adapter = adapter;
        RegisterModule("lora_A", adapter.A);
        RegisterModule("lora_B", adapter.B);
    }

    /// <summary>
    /// x [..., in] → [..., out]. With <paramref name="streamFewRows"/> (a KV-cached step) and at most
    /// <see cref="RowProjection.KernelMaxRows"/> rows without gradients, the weight is streamed once through the row
    /// kernel instead of being repacked by BLAS for a handful of rows. Only cached (generation) steps take it, so a
    /// model's training forward is the same GEMM with or without gradient checkpointing's no-grad first pass.
    /// An active adapter adds its low-rank update (two products through the r-wide middle) on every path.
    /// </summary>
    public Tensor Forward(Tensor x, bool streamFewRows = false)
    {
        var y = BaseForward(x, streamFewRows);                   // [..., out]
        if (Adapter is not { Active: true } adapter)
        {
            return y;
        }
        using var scope = NewScope();
        if (!IsGradEnabled)
        {
            y.AddInPlace(adapter.Forward(x, Training));                 // + s · B A x, no new [..., out] buffer
            return y;
        }
        return scope.MoveToOuter(y + adapter.Forward(x, Training));   // + s · B A x
    }

    private Tensor BaseForward(Tensor x, bool streamFewRows)
    {
        var inFeatures = x.Size(-1);
        if (!streamFewRows || IsGradEnabled || x.NumEl > RowProjection.KernelMaxRows * inFeatures)
        {
            return Linear(x, Weight, Bias);
        }
        using var scope = NewScope();
        var shape = x.Shape;
        shape[^1] = Weight.Size(0);
        var y = RowProjection.Compute(x.Reshape(-1, inFeatures), Weight, Bias).View(shape);
        return scope.MoveToOuter(y);
    }
}

/// <summary>Qwen2RMSNorm: weight · (x / √(mean(x²) + eps)) with the statistics in fp32, cast back before the weight.</summary>
internal sealed class Qwen2RmsNorm : Module
{
    private readonly double _eps;

    public Qwen2RmsNorm(WeightSource source, string prefix, long dim, double eps)
    {
        _eps = eps;
        Weight = new Parameter(source.Take(prefix + ".weight", [dim], WeightInit.Ones));
        RegisterParameter("weight", Weight);
    }

    public Parameter Weight { get; }

    public Tensor Forward(Tensor x) => Functional.RmsNorm(x, Weight, _eps);
}

/// <summary>embed_tokens: [vocab, H] lookup table.</summary>
internal sealed class Qwen2Embedding : Module
{
    public Qwen2Embedding(WeightSource source, string prefix, long vocab, long hidden)
    {
        Weight = new Parameter(source.Take(prefix + ".weight", [vocab, hidden], WeightInit.Normal));
        RegisterParameter("weight", Weight);
    }

    public Parameter Weight { get; }

    public Tensor Forward(Tensor ids) => Embedding(Weight, ids);
}

/// <summary>Grouped-query self-attention with RoPE and an optional KV cache (q/k/v bias for Qwen2, q/k norm for Qwen3).</summary>
internal sealed class Qwen2Attention : Module
{
    private readonly long _heads, _kvHeads, _headDim;
    private readonly double _scale;
    private readonly Qwen2Linear _q, _k, _v, _o;
    private readonly Qwen2RmsNorm? _qNorm, _kNorm;

    public Qwen2Attention(WeightSource source, string prefix, Qwen2Config c)
    {
        (_heads, _kvHeads, _headDim) = (c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim);
        _scale = 1.0 / Math.Sqrt(_headDim);                                   // scaling = head_dim ** -0.5
        // VARIATION biases: Qwen2 q/k/v; Qwen3 and Llama none unless attention_bias (then o too).
        _q = new Qwen2Linear(source, prefix + ".q_proj", c.HiddenSize, _heads * _headDim, c.QkvBias);
        _k = new Qwen2Linear(source, prefix + ".k_proj", c.HiddenSize, _kvHeads * _headDim, c.QkvBias);
        _v = new Qwen2Linear(source, prefix + ".v_proj", c.HiddenSize, _kvHeads * _headDim, c.QkvBias);
        _o = new Qwen2Linear(source, prefix + ".o_proj", _heads * _headDim, c.HiddenSize, c.OutputProjectionBias);
        RegisterModule("q_proj", _q);
        RegisterModule("k_proj", _k);
        RegisterModule("v_proj", _v);
        RegisterModule("o_proj", _o);
        if (c.QueryKeyNorm)
        {
            // VARIATION q/k norm (Qwen3): weights [hd], shared by every head.
            _qNorm = new Qwen2RmsNorm(source, prefix + ".q_norm", _headDim, c.RmsNormEps);
            _kNorm = new Qwen2RmsNorm(source, prefix + ".k_norm", _headDim, c.RmsNormEps);
            RegisterModule("q_norm", _qNorm);
            RegisterModule("k_norm", _kNorm);
        }
    }

    /// <summary>The four projections by PEFT module name.</summary>
    public IEnumerable<(string Name, Qwen2Linear Layer)> Projections() => [("q_proj", _q), ("k_proj", _k), ("v_proj", _v), ("o_proj", _o)];

    /// <param name="h">[B,T,H] normalised input.</param>
    /// <param name="cos">[B,1,T,hd] rotary cos table.</param>
    /// <param name="sin">[B,1,T,hd] rotary sin table.</param>
    /// <param name="keyMask">null, or bool [B,1,1,S]: true where a key position holds a real token.</param>
    /// <param name="cache">The layer's slice of the KV cache, or null.</param>
    public Tensor Forward(Tensor h, Tensor cos, Tensor sin, Tensor? keyMask, KvCache.LayerSlot? cache)
    {
        long b = h.Size(0), t = h.Size(1);
        var stream = cache is not null;
        var q = _q.Forward(h, stream).View(b, t, _heads, _headDim);                        // [B,T,nH,hd]
        var k = _k.Forward(h, stream).View(b, t, _kvHeads, _headDim);                      // [B,T,nKV,hd]
        var v = _v.Forward(h, stream).View(b, t, _kvHeads, _headDim).Transpose(1, 2);      // [B,nKV,T,hd]
        if (_qNorm is not null && _kNorm is not null)
        {
            q = _qNorm.Forward(q);                                                 // VARIATION q/k norm: RMSNorm over hd
            k = _kNorm.Forward(k);
        }
        q = q.Transpose(1, 2);                                                     // [B,nH,T,hd]
        k = k.Transpose(1, 2);                                                     // [B,nKV,T,hd]
        q = Functional.ApplyRotary(q, cos, sin);                                   // q·cos + rotate_half(q)·sin
        k = Functional.ApplyRotary(k, cos, sin);
        if (cache is { } slot)
        {
            (k, v) = slot.Write(k, v);                                             // [B,nKV,S,hd] views of the cache
        }
        // softmax(q·kᵀ/√hd + causal + padding) · v, softmax in fp32; KV head j serves query heads j·g … j·g+g−1.
        var o = Functional.Attention(q, k, v, keyMask, causal: true, _scale);     // [B,nH,T,hd]
        o = o.Transpose(1, 2).Reshape(b, t, _heads * _headDim);                    // [B,T,nH·hd]
        return _o.Forward(o, stream);                                              // [B,T,H]
    }
}

/// <summary>SwiGLU MLP: down(silu(gate(x)) · up(x)), without biases (Llama: with them under mlp_bias).</summary>
internal sealed class Qwen2Mlp : Module
{
    private readonly Qwen2Linear _gate, _up, _down;

    public Qwen2Mlp(WeightSource source, string prefix, Qwen2Config c)
    {
        _gate = new Qwen2Linear(source, prefix + ".gate_proj", c.HiddenSize, c.IntermediateSize, c.MlpBias);   // VARIATION biases
        _up = new Qwen2Linear(source, prefix + ".up_proj", c.HiddenSize, c.IntermediateSize, c.MlpBias);
        _down = new Qwen2Linear(source, prefix + ".down_proj", c.IntermediateSize, c.HiddenSize, c.MlpBias);
        RegisterModule("gate_proj", _gate);
        RegisterModule("up_proj", _up);
        RegisterModule("down_proj", _down);
    }

    /// <summary>The three projections by PEFT module name.</summary>
    public IEnumerable<(string Name, Qwen2Linear Layer)> Projections() => [("gate_proj", _gate), ("up_proj", _up), ("down_proj", _down)];

    /// <summary>h [B,T,H] → [B,T,H] (<paramref name="streamFewRows"/>: see <see cref="Qwen2Linear.Forward"/>).</summary>
    public Tensor Forward(Tensor h, bool streamFewRows) =>
        _down.Forward(Functional.SiluMul(_gate.Forward(h, streamFewRows), _up.Forward(h, streamFewRows)), streamFewRows);  // [B,T,I] → [B,T,H]
}

/// <summary>One pre-norm decoder layer.</summary>
internal sealed class Qwen2DecoderLayer : Module
{
    private readonly Qwen2RmsNorm _inputNorm, _postAttentionNorm;
    private readonly Qwen2Attention _attention;
    private readonly Qwen2Mlp _mlp;

    public Qwen2DecoderLayer(WeightSource source, string prefix, Qwen2Config c)
    {
        _inputNorm = new Qwen2RmsNorm(source, prefix + ".input_layernorm", c.HiddenSize, c.RmsNormEps);
        _attention = new Qwen2Attention(source, prefix + ".self_attn", c);
        _postAttentionNorm = new Qwen2RmsNorm(source, prefix + ".post_attention_layernorm", c.HiddenSize, c.RmsNormEps);
        _mlp = new Qwen2Mlp(source, prefix + ".mlp", c);
        RegisterModule("input_layernorm", _inputNorm);
        RegisterModule("self_attn", _attention);
        RegisterModule("post_attention_layernorm", _postAttentionNorm);
        RegisterModule("mlp", _mlp);
    }

    /// <summary>The seven linear layers: (path below the layer, PEFT module name, layer).</summary>
    public IEnumerable<(string Path, string Name, Qwen2Linear Layer)> Projections() =>
        _attention.Projections().Select(p => ("self_attn." + p.Name, p.Name, p.Layer))
            .Concat(_mlp.Projections().Select(p => ("mlp." + p.Name, p.Name, p.Layer)));

    /// <summary>x [B,T,H] residual stream → new residual stream [B,T,H] (see <see cref="Qwen2Attention.Forward"/>).</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? keyMask, KvCache.LayerSlot? cache)
    {
        using var scope = NewScope();   // intermediates die here; autograd keeps what the backward needs
        var h = x + _attention.Forward(_inputNorm.Forward(x), cos, sin, keyMask, cache);
        var y = h + _mlp.Forward(_postAttentionNorm.Forward(h), streamFewRows: cache is not null);
        return scope.MoveToOuter(y);
    }
}

/// <summary>
/// The Qwen2 decoder stack (<c>Qwen2Model</c> in transformers; with <see cref="Qwen2Config.Architecture"/> also
/// <c>Qwen3Model</c> and <c>LlamaModel</c>): token ids → final-norm hidden states [B,T,H].
/// Parameter names are the Hugging Face names below the <c>model.</c> prefix.
/// </summary>
public sealed partial class Qwen2Model : Module
{
    private readonly Qwen2Embedding _embed;
    private readonly ModuleList<Qwen2DecoderLayer> _layers;
    private readonly Qwen2RmsNorm _norm;
    private readonly RotaryEmbedding _rotary;

    internal Qwen2Model(Qwen2Config config, WeightSource source, string prefix)
    {
        config.Validate();
        Config = config;
        _rotary = new RotaryEmbedding(config);
        _embed = new Qwen2Embedding(source, prefix + "embed_tokens", config.VocabSize, config.HiddenSize);
        _layers = new ModuleList<Qwen2DecoderLayer>();
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            _layers.Add(new Qwen2DecoderLayer(source, $"{prefix}layers.{i}", config));
        }
        _norm = new Qwen2RmsNorm(source, prefix + "norm", config.HiddenSize, config.RmsNormEps);
        RegisterModule("embed_tokens", _embed);
        RegisterModule("layers", _layers);
        RegisterModule("norm", _norm);
    }

    /// <summary>The architecture.</summary>
    public Qwen2Config Config { get; }

    /// <summary>
    /// Per-layer gradient checkpointing (<c>gradient_checkpointing</c> in the model config): when gradients are
    /// recorded and no KV cache is used, each decoder layer keeps only its input and is recomputed in the backward,
    /// so activation memory is one layer's instead of all layers' at the price of one more forward. Gradients are
    /// the same as without it.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary><c>embed_tokens.weight</c> [vocab, H] (also the output projection when embeddings are tied).</summary>
    public Parameter EmbedTokensWeight => _embed.Weight;

    /// <summary>
    /// Final hidden states [B,T,H] (after the last RMSNorm).
    /// </summary>
    /// <param name="inputIds">[B,T] int64 token ids.</param>
    /// <param name="attentionMask">[B,T] 1 for real tokens, 0 for (left) padding; null = all real.</param>
    /// <param name="positionIds">[B,T] int64; null = <c>cumsum(mask) − 1</c> (padding gets 1, as in HF generation),
    /// counted over the cache too when one is given.</param>
    /// <param name="cache">A preallocated KV cache: the new keys/values are written at its current length, which
    /// then advances by T; attention covers every cached position.</param>
    /// <param name="hiddenStates">When given, receives the embeddings and every layer's output [B,T,H] (before the
    /// final norm), like transformers' <c>output_hidden_states</c>; the caller owns them.</param>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null,
        IList<Tensor>? hiddenStates = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.Dim != 2)
        {
            throw new ArgumentException($"inputIds must be [batch, time], got [{string.Join(", ", inputIds.Shape)}]", nameof(inputIds));
        }
        using var scope = NewScope();
        long b = inputIds.Size(0), t = inputIds.Size(1);
        var newMask = attentionMask is null ? null : attentionMask.Ne(0).To(DType.Int64);              // [B,T] 0/1
        Tensor? keyMask;                                                                               // [B,1,1,S] bool
        Tensor positions;                                                                              // [B,T] int64
        if (cache is not null)
        {
            var slots = cache.Append(newMask ?? Ones([b, t], DType.Int64, inputIds.Device));          // [B,S] 0/1
            keyMask = slots.Ne(0).View(b, 1, 1, slots.Size(1));
            positions = positionIds ?? PositionsFromMask(slots).Narrow(1, slots.Size(1) - t, t);
        }
        else
        {
            keyMask = newMask?.Ne(0).View(b, 1, 1, t);
            positions = positionIds ?? (newMask is null
                ? Arange(t, DType.Int64, inputIds.Device).Unsqueeze(0).Expand(b, t)
                : PositionsFromMask(newMask));
        }
        var x = _embed.Forward(inputIds);                                                              // [B,T,H]
        var (cos, sin) = _rotary.Tables(positions, x.DType);                                           // [B,1,T,hd]
        hiddenStates?.Add(scope.MoveToOuter(x.Clone()));
        var checkpoint = GradientCheckpointing && cache is null && IsGradEnabled;
        for (var i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i];
            x = checkpoint                                                                             // [B,T,H]
                ? GradientCheckpoint.Apply(x, [cos, sin, keyMask], (xi, c) => layer.Forward(xi, c[0]!, c[1]!, c[2], null))
                : layer.Forward(x, cos, sin, keyMask, cache?.Layer(i));
            hiddenStates?.Add(scope.MoveToOuter(x.Clone()));
        }
        cache?.Advance(t);
        return scope.MoveToOuter(_norm.Forward(x));                                                    // [B,T,H]
    }

    /// <summary>HF generation's position ids: <c>cumsum(mask) − 1</c>, with 1 at padding.</summary>
    private static Tensor PositionsFromMask(Tensor mask) =>
        (mask.CumSum(1) - 1).MaskedFill(mask.Eq(0), 1);
}
