using System.Text.Json.Nodes;

namespace ToolRL.Runs;

/// <summary>How a changed key may be treated when a run is resumed.</summary>
public enum ConfigChangeKind
{
    /// <summary>Changes what the run is (model, data, seed, tokenizer, algorithm, batch shape): a resume is refused.</summary>
    Shape,

    /// <summary>A schedule-like setting (learning rate, KL coefficient, total steps, save/test cadence): allowed on request.</summary>
    Schedule,

    /// <summary>Bookkeeping that does not change training (output folder, log formats): allowed silently.</summary>
    Neutral,
}

/// <summary>One key whose resolved value differs between the run's configuration and the resumed one.</summary>
/// <param name="Key">Dotted key, e.g. <c>actor_lr</c> or <c>model.tiny.hidden_size</c>.</param>
/// <param name="Before">The run's value as JSON text (null when the key was absent).</param>
/// <param name="After">The new value as JSON text (null when the key is gone).</param>
/// <param name="Kind">Whether the change is refused, allowed with a flag, or neutral.</param>
public sealed record ConfigChange(string Key, string? Before, string? After, ConfigChangeKind Kind)
{
    /// <summary>The schedule-like keys (a key matches itself and every key below it).</summary>
    public static readonly IReadOnlyList<string> ScheduleKeys =
    [
        "actor_lr", "critic_lr", "lr_scheduler", "kl_coef", "kl_ctrl", "epochs",
        "trainer.total_training_steps", "trainer.save_freq", "trainer.test_freq", "trainer.val_before_train",
        "trainer.max_checkpoints_to_keep",
    ];

    /// <summary>The keys that do not change training.</summary>
    public static readonly IReadOnlyList<string> NeutralKeys = ["trainer.output_dir", "trainer.log_formats"];

    /// <inheritdoc />
    public override string ToString() => $"{Key} {Before ?? "(absent)"} → {After ?? "(absent)"}";

    /// <summary>Every key that differs between two resolved configurations (<c>TrainingConfig.ToJson()</c>), in key order.</summary>
    public static IReadOnlyList<ConfigChange> Compare(JsonObject before, JsonObject after)
    {
        var left = Flatten(before);
        var right = Flatten(after);
        return left.Keys.Union(right.Keys).Order(StringComparer.Ordinal)
            .Where(key => left.GetValueOrDefault(key) != right.GetValueOrDefault(key))
            .Select(key => new ConfigChange(key, left.GetValueOrDefault(key), right.GetValueOrDefault(key), KindOf(key)))
            .ToList();
    }

    /// <summary>The class of <paramref name="key"/>: schedule or neutral when listed, else shape.</summary>
    public static ConfigChangeKind KindOf(string key)
    {
        static bool Under(string key, string prefix) => key == prefix || key.StartsWith(prefix + ".", StringComparison.Ordinal);
        if (NeutralKeys.Any(k => Under(key, k)))
        {
            return ConfigChangeKind.Neutral;
        }
        return ScheduleKeys.Any(k => Under(key, k)) ? ConfigChangeKind.Schedule : ConfigChangeKind.Shape;
    }

    /// <summary>Objects flattened to dotted keys; arrays and values kept whole as JSON text.</summary>
    private static Dictionary<string, string> Flatten(JsonObject root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(root, "");
        return result;

        void Walk(JsonObject node, string prefix)
        {
            foreach (var (name, value) in node)
            {
                var key = prefix.Length == 0 ? name : prefix + "." + name;
                if (value is JsonObject child && KindOf(key) == ConfigChangeKind.Shape)
                {
                    Walk(child, key);
                }
                else
                {
                    result[key] = value?.ToJsonString() ?? "null";
                }
            }
        }
    }
}
