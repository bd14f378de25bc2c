namespace ToolRL.Models;

/// <summary>
/// The decoder architectures the model classes implement, told apart by config.json's <c>model_type</c>. They share
/// one layer stack (<see cref="Qwen2Model"/>): pre-norm RMSNorm, grouped-query attention with rotary positions, a
/// SwiGLU MLP. What differs is marked where it acts in the forward.
/// </summary>
public enum ModelArchitecture
{
    /// <summary>Qwen2 / Qwen2.5 (<c>model_type</c> "qwen2"): biases on q, k and v only.</summary>
    Qwen2,

    /// <summary>Qwen3 dense (<c>model_type</c> "qwen3"): RMSNorm over each head's queries and keys before rotary, no biases
    /// unless <c>attention_bias</c>, <c>head_dim</c> from the config (it need not be hidden / heads).</summary>
    Qwen3,

    /// <summary>Llama 3.x (<c>model_type</c> "llama"): no biases unless <c>attention_bias</c> / <c>mlp_bias</c>, and
    /// <c>rope_scaling</c> of type <c>llama3</c>.</summary>
    Llama,
}

/// <summary>Names of each architecture in Hugging Face files.</summary>
internal static class ModelArchitectures
{
    /// <summary>config.json <c>model_type</c>.</summary>
    public static string ModelType(this ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Qwen3 => "qwen3",
        ModelArchitecture.Llama => "llama",
        _ => "qwen2",
    };

    /// <summary>The transformers class of the causal LM (config.json <c>architectures</c>).</summary>
    public static string CausalLmClass(this ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Qwen3 => "Qwen3ForCausalLM",
        ModelArchitecture.Llama => "LlamaForCausalLM",
        _ => "Qwen2ForCausalLM",
    };

    /// <summary>The transformers class of the one-label token classifier the critic is saved as.</summary>
    public static string TokenClassificationClass(this ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Qwen3 => "Qwen3ForTokenClassification",
        ModelArchitecture.Llama => "LlamaForTokenClassification",
        _ => "Qwen2ForTokenClassification",
    };

    /// <summary>The architecture of a <c>model_type</c>, or null when this library does not implement it.</summary>
    public static ModelArchitecture? FromModelType(string modelType) => modelType switch
    {
        "qwen2" => ModelArchitecture.Qwen2,
        "qwen3" => ModelArchitecture.Qwen3,
        "llama" => ModelArchitecture.Llama,
        _ => null,
    };
}
