using System.Text.Json.Nodes;
using ToolRL.Configuration;

namespace ToolRL.Tests.Configuration;

/// <summary>Small valid configurations to mutate in tests.</summary>
internal static class ConfigJson
{
    public const string TinyGrpo = """
        {
          "algorithm": "grpo",
          "batch_size": 8,
          "epochs": 2,
          "n": 4,
          "max_prompt_length": 256,
          "max_response_length": 128,
          "ppo_mini_batch_size": 4,
          "ppo_micro_batch_size": 4,
          "model": { "tiny": { "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128 } },
          "tokenizer": { "train_bpe": { "vocab_size": 512 } },
          "data": { "synthetic": { "train_count": 64, "val_count": 16, "seed": 7 } }
        }
        """;

    /// <summary>The tiny config with <paramref name="edit"/> applied to its JSON object.</summary>
    public static string With(Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(TinyGrpo)!.AsObject();
        edit(root);
        return root.ToJsonString();
    }

    /// <summary>Parses and returns the refusal (fails the test if the config was accepted).</summary>
    public static ConfigurationException Refuse(string json) =>
        Assert.Throws<ConfigurationException>(() => TrainingConfig.Parse(json, "test.json"));
}
