using ToolRL.Torch;

namespace ToolRL.Models;

/// <summary>
/// What the policy and the critic share about their weights on disk: a decoder that may carry LoRA adapters, a whole
/// Hugging Face folder, and a PEFT adapter folder. Lets one save/load rule serve both (see
/// <c>ToolRL.Training.Models.TrainedWeightsFolder</c>).
/// </summary>
internal interface IHfWeightsModel
{
    /// <summary>The decoder stack (its <c>Lora</c> tells whether adapters are attached).</summary>
    Qwen2Model Model { get; }

    /// <summary>Writes the whole model in Hugging Face layout.</summary>
    void SavePretrained(string directory, DType? dtype = null, long maxShardBytes = 5L << 30);

    /// <summary>Writes only the adapters (and any fully trained head) in PEFT's layout.</summary>
    void SaveAdapter(string directory);

    /// <summary>Restores what <see cref="SaveAdapter"/> wrote.</summary>
    void LoadAdapter(string directory);
}
