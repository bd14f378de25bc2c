using ToolRL.Configuration;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Training;

/// <summary>
/// The configuration's <c>dtype</c> and <c>device</c> reach the models the pipeline builds: a bfloat16 run trains
/// and saves bfloat16 weights, and a CUDA device this libtorch cannot reach is refused at its field before anything runs.
/// </summary>
public sealed class ConfiguredComputeTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-compute-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Bfloat16_config_trains_and_saves_the_policy_in_bfloat16()
    {
        // SFT, whose every step has a gradient (a GRPO group of a random policy may score all-equal).
        var config = TinyRun.GrpoConfig(Path.Combine(_run.Directory, "unused")) with
        {
            DType = ComputeDType.BFloat16,
            Sft = new SftConfig { Epochs = 1, Lr = 0.01, BatchSize = 4, MicroBatchSize = 4 },
        };
        var steps = new List<TrainingStepResult>();

        var result = await Train.SftAsync(new TrainingRequest
        {
            Config = config,
            OutputDir = Path.Combine(_run.Directory, "bf16"),
            Hooks = new() { OnStep = steps.Add },
        });

        Assert.Equal(4, steps.Count);   // 16 synthetic rows, batch 4
        foreach (var step in steps)
        {
            var gradNorm = step["sft/grad_norm"];
            Assert.True(gradNorm is > 0 && double.IsFinite(gradNorm.Value), $"step {step.Step}: sft/grad_norm {gradNorm}");
            Assert.True(step[MetricNames.SftLoss] is { } loss && double.IsFinite(loss), $"step {step.Step}: sft/loss {step[MetricNames.SftLoss]}");
        }
        Assert.True(steps[^1][MetricNames.SftLoss] < steps[0][MetricNames.SftLoss], "the bfloat16 SFT loss did not fall");
        var weights = Safetensors.Load(Path.Combine(result.ModelDirectory, "model.safetensors"));
        Assert.NotEmpty(weights);
        Assert.All(weights, w => Assert.Equal(DType.BFloat16, w.Value.DType));
        Assert.Contains("\"torch_dtype\": \"bfloat16\"", File.ReadAllText(Path.Combine(result.ModelDirectory, "config.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cuda_device_this_libtorch_cannot_reach_is_refused_at_its_field()
    {
        // On a CUDA machine, one index past the last device is just as unreachable.
        var device = torch.CudaIsAvailable ? $"cuda:{torch.CudaDeviceCount}" : "cuda";
        var config = TinyRun.Short(TinyRun.GrpoConfig(Path.Combine(_run.Directory, "unused")), steps: 1) with { Device = device };

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => Train.GrpoAsync(new TrainingRequest
        {
            Config = config,
            OutputDir = Path.Combine(_run.Directory, "cuda"),
        }));

        var only = Assert.Single(error.Errors);
        Assert.Equal("$.device", only.Path);
        Assert.Equal($"\"{device}\"", only.Value);
        Assert.Contains("\"device\": \"cpu\"", only.Fix, StringComparison.Ordinal);
    }
}
