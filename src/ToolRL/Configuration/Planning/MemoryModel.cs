namespace ToolRL.Configuration.Planning;

/// <summary>
/// Memory per device from shapes (an estimate for sizing hardware, not a measurement). Assumptions:
/// weights and gradients in the run's dtype; AdamW keeps its two moments in the parameters' dtype (2 × 4 B/param in
/// fp32, 2 × 2 B in bf16/fp16; <c>AdamW</c> allocates them with <c>ZerosLike</c>) and no fp32 master copy (the update
/// is applied to the parameters themselves), for the trainable parameters only (with LoRA: the adapters and the critic's head, the
/// base frozen, held once and shared by policy, reference and critic); with several devices, data-parallel as
/// <c>toolrl train --nproc-per-node</c> runs it (docs/distributed.md): weights, gradients and optimizer state replicated on
/// every device, plus the float64 gradient sum of the trainable parameters of the policy and the critic (8 B/param);
/// with ZeRO-1 (<c>--shard-optimizer</c>) the policy's AdamW state of ⌈P/N⌉ flat elements per device and its slice copy;
/// the reference model is kept on device (weights only); activations are those kept for backward by one
/// micro-batch with eager attention (scores and probabilities materialised), or layer inputs plus one recomputed
/// layer under gradient checkpointing, plus the logits and fp32 log-softmax (and its gradient) over responses;
/// the KV cache holds keys and values of every concurrently generated sequence at full length.
/// </summary>
internal static class MemoryModel
{
    public static MemoryEstimate Estimate(TrainingConfig c, ModelShape model, int devices, long generationBatch, bool shardOptimizer = false)
    {
        var bytes = c.DType == ComputeDType.Float32 ? 4L : 2L;
        // What AdamW allocates: m and v like each parameter, nothing else per parameter.
        var optimizerBytesPerParam = 2 * bytes;
        var dtypeName = c.DType.ToString().ToLowerInvariant();
        // Data-parallel replicas hold the whole state (no sharding); the argument stays for the per-device batch below.
        long Shard(long total) => total;
        var sharding = devices > 1 ? $", replicated on each of {devices} devices" : "";
        var items = new List<MemoryItem>();

        var p = model.Parameters;
        var lora = c.Algorithm == AlgorithmKind.Sft ? null : c.Model.Lora;
        // With LoRA only the adapters (and the critic's value head) train; the frozen base is held once and shared by
        // the policy, the reference (adapters switched off) and the critic.
        var trainable = lora is null ? p : model.LoraParameters(lora);
        var what = lora is null ? $"{p:N0} params" : $"{trainable:N0} adapter params (LoRA r {lora.R} on {lora.TargetModules.Count} module kinds)";
        items.Add(new(MemoryCategories.Weights, "policy", Shard((lora is null ? p : p + trainable) * bytes),
            lora is null ? $"{p:N0} params × {bytes} B ({dtypeName}){sharding}" : $"{p:N0} frozen base params + {trainable:N0} adapter params × {bytes} B ({dtypeName}){sharding}"));
        if (c.Algorithm != AlgorithmKind.Sft && c.NeedsReferenceModel)
        {
            items.Add(lora is null
                ? new(MemoryCategories.Weights, "reference", Shard(p * bytes), $"{p:N0} params × {bytes} B, frozen (KL to the reference){sharding}")
                : new(MemoryCategories.Weights, "reference", 0, "the policy's base with adapters switched off: no copy"));
        }
        items.Add(new(MemoryCategories.Gradients, "policy", Shard(trainable * bytes), $"{what} × {bytes} B{sharding}"));
        // ZeRO-1 cuts the flat parameters into N ranges (OptimizerShards): rank 0 holds the largest, ⌈P/N⌉ elements, of
        // state and a copy of its slice of the parameters that its AdamW steps.
        var zero = shardOptimizer && devices > 1;
        var share = (trainable + devices - 1) / devices;
        items.Add(new(MemoryCategories.Optimizer, "policy", zero ? share * optimizerBytesPerParam : trainable * optimizerBytesPerParam,
            zero ? $"{share:N0} of {what} × {optimizerBytesPerParam} B (AdamW m, v in {dtypeName}, no master copy), sharded over {devices} devices (ZeRO-1)"
                : $"{what} × {optimizerBytesPerParam} B (AdamW m, v in {dtypeName}, no master copy){sharding}"));
        if (zero)
        {
            items.Add(new(MemoryCategories.Optimizer, "policy ZeRO-1 slice", share * bytes, $"{share:N0} params × {bytes} B: the slice of the parameters this device's AdamW steps"));
        }
        if (devices > 1)
        {
            items.Add(new(MemoryCategories.Gradients, "policy gradient sum", trainable * 8,
                $"{what} × 8 B: the float64 buckets data-parallel ranks sum gradients in (exact at any world size)"));
        }
        if (c.Algorithm == AlgorithmKind.Ppo)
        {
            var pc = model.CriticParameters;
            var head = model.HiddenSize + 1;
            var criticTrainable = lora is null ? pc : trainable + head;
            items.Add(lora is null
                ? new(MemoryCategories.Weights, "critic", Shard(pc * bytes), $"{pc:N0} params (trunk + value head) × {bytes} B{sharding}")
                : new(MemoryCategories.Weights, "critic", Shard(criticTrainable * bytes), $"{criticTrainable:N0} params (its own adapters + value head; the trunk is the policy's frozen base) × {bytes} B{sharding}"));
            items.Add(new(MemoryCategories.Gradients, "critic", Shard(criticTrainable * bytes), $"{criticTrainable:N0} params × {bytes} B{sharding}"));
            items.Add(new(MemoryCategories.Optimizer, "critic", Shard(criticTrainable * optimizerBytesPerParam), $"{criticTrainable:N0} params × {optimizerBytesPerParam} B{sharding}"));
            if (devices > 1)
            {
                items.Add(new(MemoryCategories.Gradients, "critic gradient sum", criticTrainable * 8, $"{criticTrainable:N0} params × 8 B: the critic's float64 gradient buckets"));
            }
        }

        var (tokens, responseTokens, sequenceLength, basis) = MicroBatchTokens(c);
        var h = model.HiddenSize;
        var kvWidth = model.NumKeyValueHeads * model.HeadDim;
        // Elements kept per token and layer: norms, q/k/v, attention output and o_proj input, residuals (≈6H + 2·kv),
        // the MLP's gate/up/activation/product (4I), and attention scores + probabilities (2·heads·S).
        var perTokenLayer = 6 * h + 2 * kvWidth + 4 * model.IntermediateSize + 2 * model.NumAttentionHeads * sequenceLength;
        long layerActivations;
        string layerBasis;
        if (c.Model.GradientCheckpointing)
        {
            layerActivations = (model.NumHiddenLayers * tokens * h + tokens * perTokenLayer) * bytes;
            layerBasis = $"{basis}; gradient checkpointing: layer inputs ({model.NumHiddenLayers} × {h}) + one recomputed layer per token";
        }
        else
        {
            layerActivations = model.NumHiddenLayers * tokens * perTokenLayer * bytes;
            layerBasis = $"{basis}; {model.NumHiddenLayers} layers × {perTokenLayer:N0} values per token";
        }
        items.Add(new(MemoryCategories.Activations, "decoder layers", layerActivations, layerBasis));
        var logits = tokens * model.VocabSize * bytes + responseTokens * model.VocabSize * 4 * 2;
        items.Add(new(MemoryCategories.Activations, "logits", logits,
            $"{tokens:N0} positions × vocab {model.VocabSize:N0} × {bytes} B + fp32 log-softmax and its gradient over {responseTokens:N0} response positions"));

        if (c.Algorithm != AlgorithmKind.Sft)
        {
            var perToken = 2 * model.NumHiddenLayers * kvWidth * bytes;
            var length = (long)c.MaxPromptLength + c.MaxResponseLength;
            items.Add(new(MemoryCategories.KvCache, "generation", generationBatch * length * perToken,
                $"{generationBatch:N0} sequences × {length:N0} tokens × {perToken:N0} B/token (2 × {model.NumHiddenLayers} layers × {kvWidth} × {bytes} B)"));
        }
        return new MemoryEstimate(items);
    }

    /// <summary>Tokens of one training micro-batch, of which response tokens, and the attention span.</summary>
    private static (long Tokens, long ResponseTokens, long SequenceLength, string Basis) MicroBatchTokens(TrainingConfig c)
    {
        if (c.Algorithm == AlgorithmKind.Sft && c.Sft is { } sft)
        {
            var length = (long)(sft.MaxLength ?? c.MaxPromptLength + c.MaxResponseLength);
            var tokens = sft.MicroBatchSize * length;
            return (tokens, tokens, length, $"micro-batch {sft.MicroBatchSize} × {length} tokens");
        }
        var sequence = (long)c.MaxPromptLength + c.MaxResponseLength;
        if (c.UseDynamicBsz)
        {
            var tokens = (long)c.PpoMaxTokenLenPerGpu;
            return (tokens, tokens * c.MaxResponseLength / sequence, sequence, $"token budget {tokens:N0} per micro-batch");
        }
        return (c.PpoMicroBatchSize * sequence, (long)c.PpoMicroBatchSize * c.MaxResponseLength, sequence,
            $"micro-batch {c.PpoMicroBatchSize} × {sequence} tokens");
    }
}
