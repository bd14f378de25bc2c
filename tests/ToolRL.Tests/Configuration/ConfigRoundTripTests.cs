using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Testing;

namespace ToolRL.Tests.Configuration;

public class ConfigRoundTripTests
{
    public static TheoryData<string> RepositoryConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestPaths.InRepo("configs"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RepositoryConfigs))]
    public void RepositoryConfigLoadsAndRoundTrips(string name)
    {
        var config = TrainingConfig.Load(TestPaths.InRepo("configs", name));
        AssertRoundTrips(config);
    }

    [Fact]
    public void ResolvedConfigRoundTripsWithEveryKey()
    {
        var config = TrainingConfig.Parse(ConfigJson.TinyGrpo);
        var json = AssertRoundTrips(config);
        var root = JsonNode.Parse(json)!.AsObject();
        foreach (var key in new[] { "algorithm", "batch_size", "epochs", "actor_lr", "critic_lr", "kl_coef", "max_grad_norm", "ppo_clip_range",
                     "clip_ratio_low", "clip_ratio_high", "clip_ratio_c", "normalize_advantages", "max_prompt_length", "max_response_length", "n",
                     "ppo_mini_batch_size", "ppo_micro_batch_size", "ppo_epochs", "loss_agg_mode", "kl_loss_type", "use_kl_loss", "use_kl_in_reward",
                     "kl_ctrl", "entropy_coeff", "gamma", "lam", "cliprange_value", "critic_warmup", "sampling", "lr_scheduler", "weight_decay",
                     "seed", "device", "dtype", "model", "tokenizer", "data", "reward", "trainer" })
        {
            Assert.True(root.ContainsKey(key), $"resolved config lacks {key}");
        }
        Assert.Equal(0.001, (double)root["kl_ctrl"]!["init_kl_coef"]!);
    }

    [Fact]
    public void SaveWritesAtomicallyAndReloads()
    {
        var dir = Directory.CreateTempSubdirectory("toolrl-config-");
        try
        {
            var path = Path.Combine(dir.FullName, "nested", "config.json");
            var config = TrainingConfig.Parse(ConfigJson.TinyGrpo) with { Seed = 7 };
            config.Save(path);
            Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
            Assert.Equal(config.ToJsonString(), TrainingConfig.Load(path).ToJsonString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string AssertRoundTrips(TrainingConfig config)
    {
        var json = config.ToJsonString();
        var again = TrainingConfig.Parse(json, "resolved");
        Assert.Equal(json, again.ToJsonString());
        // Records compare their scalar members and sections by value; lists by reference, so compare those separately.
        Assert.Equal(config.ResponsesPerStep, again.ResponsesPerStep);
        Assert.Equal(config.Data.TrainFiles, again.Data.TrainFiles);
        return json;
    }
}
