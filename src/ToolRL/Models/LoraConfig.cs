namespace ToolRL.Models;

/// <summary>
/// LoRA adapters (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models", eq. 3) in PEFT's terms: every
/// targeted linear layer computes <c>y = W x + b + s · B A dropout(x)</c> with A [r, in], B [out, r] and
/// <c>s = lora_alpha / r</c>, or <c>lora_alpha / √r</c> with rsLoRA (Kalajdzievski 2023). The base weights stay frozen;
/// only A and B train. Field names are PEFT's <c>LoraConfig</c> names (adapter_config.json).
/// </summary>
public sealed record LoraConfig
{
    /// <summary>The Qwen2 linear layers an adapter can target (PEFT names); <c>lm_head</c> is never targeted, as in PEFT's "all-linear".</summary>
    public static readonly IReadOnlyList<string> LinearModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>The <c>target_modules</c> value that means every linear layer of the decoder.</summary>
    public const string AllLinear = "all-linear";

    /// <summary><c>r</c>: the adapter rank (default 8, StepTool's).</summary>
    public int R { get; init; } = 8;

    /// <summary><c>lora_alpha</c>: the scale numerator (default 16).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary><c>lora_dropout</c>: dropout on the adapter's input in training mode (default 0).</summary>
    public double Dropout { get; init; }

    /// <summary><c>target_modules</c>: PEFT module names from <see cref="LinearModules"/> (default: all of them).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = LinearModules;

    /// <summary><c>use_rslora</c>: scale by α/√r instead of α/r (default false).</summary>
    public bool UseRslora { get; init; }

    /// <summary><c>bias</c>: which biases train; only "none" (PEFT's default) is supported.</summary>
    public string Bias { get; init; } = "none";

    /// <summary>The adapter output scale s: α/r, or α/√r with rsLoRA.</summary>
    public double Scaling => UseRslora ? Alpha / Math.Sqrt(R) : Alpha / R;

    /// <summary>True when <paramref name="module"/> (e.g. "q_proj") carries an adapter.</summary>
    public bool Targets(string module) => TargetModules.Contains(module, StringComparer.Ordinal);

    /// <summary>
    /// The problems of this config, each as (PEFT field name, problem with the value, fix); empty when valid.
    /// <c>model.lora</c> in a training config and adapter_config.json report them with their own paths.
    /// </summary>
    public IReadOnlyList<(string Field, string Problem, string Fix)> Problems()
    {
        var problems = new List<(string, string, string)>();
        if (R < 1)
        {
            problems.Add(("r", $"r = {R} must be at least 1", "set r to the adapter rank, e.g. 8"));
        }
        if (!(Alpha > 0) || double.IsInfinity(Alpha))
        {
            problems.Add(("lora_alpha", $"lora_alpha = {Alpha} must be a finite number > 0", "set lora_alpha to e.g. 2 × r (16 for r 8)"));
        }
        if (!(Dropout >= 0 && Dropout < 1))
        {
            problems.Add(("lora_dropout", $"lora_dropout = {Dropout} must be in [0, 1)", "set lora_dropout to 0 (RL) or e.g. 0.05"));
        }
        if (TargetModules.Count == 0)
        {
            problems.Add(("target_modules", "target_modules is empty", $"list modules from {string.Join(", ", LinearModules)} or write \"{AllLinear}\""));
        }
        foreach (var name in TargetModules.Where(n => !LinearModules.Contains(n, StringComparer.Ordinal)))
        {
            problems.Add(("target_modules", $"'{name}' is not a linear layer of Qwen2",
                $"use PEFT names from {string.Join(", ", LinearModules)}, or \"{AllLinear}\" for all of them"));
        }
        if (Bias != "none")
        {
            problems.Add(("bias", $"bias = \"{Bias}\" is not supported", "set bias to \"none\" (the base biases stay frozen, PEFT's default)"));
        }
        return problems;
    }

    /// <summary>Throws <see cref="ModelConfigException"/> listing every problem, prefixed by <paramref name="where"/>.</summary>
    public void Validate(string where = "lora")
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ModelConfigException(string.Join("\n", problems.Select(p => $"{where}.{p.Field}: {p.Problem}; fix: {p.Fix}.")));
        }
    }
}
