using System.Diagnostics;
using CliHarness = ToolRL.Tests.Runs.Cli;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Distributed;

/// <summary>
/// The real <c>toolrl train --nproc-per-node</c>: a GRPO run on 2 data-parallel ranks (2 processes, gloo over
/// loopback) equals the 1-rank run step for step (metrics and weights), with the optimizer state replicated or
/// sharded (ZeRO-1, whose gathered checkpoint equals the unsharded one), on two "nodes" over loopback, and a 2-rank run
/// resumes on 1 rank; the SFT warm start and PPO with its critic equal their 1-rank runs too.
/// </summary>
public sealed class DataParallelTrainingTests : IDisposable
{
    private readonly TempDirectory _temp = new("dp");

    public void Dispose() => _temp.Dispose();

    // 4 prompts × 2 samples, micro-batches of 2 trajectories: each mini-batch has 4 micro-batches, 2 per rank.
    // Validation on 3 held-out prompts (greedy, split 2 + 1 over the ranks) before training and after every step. A random
    // model earns the same reward on every sample (zero advantages), so the entropy bonus is what makes the gradients
    // depend on the sampled tokens.
    private const string Config = """
        {
          "algorithm": "grpo", "seed": 5, "batch_size": 4, "epochs": 1, "n": 2,
          "max_prompt_length": 1024, "max_response_length": 10,
          "actor_lr": 0.002, "ppo_mini_batch_size": 4, "ppo_micro_batch_size": 2, "kl_coef": 0, "entropy_coeff": 0.01,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 300 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 3, "preset": "tiny", "instructions": "minimal" } },
          "trainer": { "experiment_name": "dp-qwen", "save_freq": 1, "test_freq": 1, "val_before_train": true, "total_training_steps": 3 }
        }
        """;

    [Fact]
    public void TwoRanksTrainLikeOneShardedOrNotAndTheirRunResumesOnOneRank()
    {
        var config = CliHarness.WriteConfig(Path.Combine(_temp.Path, "config.json"), Config);
        var one = Path.Combine(_temp.Path, "one");
        var two = Path.Combine(_temp.Path, "two");
        var sharded = Path.Combine(_temp.Path, "sharded");
        Train(config, one, 1);
        Train(config, two, 2);
        Train(config, sharded, 2, "--shard-optimizer");

        var oneRows = MetricsLog.ReadJsonl(Path.Combine(one, MetricsLog.JsonlFileName));
        foreach (var run in new[] { two, sharded })
        {
            AssertSameMetrics(oneRows, MetricsLog.ReadJsonl(Path.Combine(run, MetricsLog.JsonlFileName)), steps: 4, MetricNames.PgLoss, MetricNames.ValRewardMean);
            AssertSameTensors(Path.Combine(Checkpoint(one, 3), "model.safetensors"), Path.Combine(Checkpoint(run, 3), "model.safetensors"));
        }
        AssertSameTensors(Optimizer(one, 3), Optimizer(sharded, 3));

        // Two "nodes" on loopback (two launchers, --nnodes 2, 1 rank each, node 0 hosting the store): the 1-rank run again.
        var nodes = Path.Combine(_temp.Path, "nodes");
        TrainOnTwoNodes(config, nodes);
        AssertSameMetrics(oneRows, MetricsLog.ReadJsonl(Path.Combine(nodes, MetricsLog.JsonlFileName)), steps: 4, MetricNames.PgLoss, MetricNames.ValRewardMean);
        AssertSameTensors(Path.Combine(Checkpoint(one, 3), "model.safetensors"), Path.Combine(Checkpoint(nodes, 3), "model.safetensors"));

        // The sharded 2-rank run as if killed after step 2's checkpoint, resumed on 1 rank: step 3 is the 1-rank run's.
        Directory.Delete(Path.Combine(sharded, "checkpoints", "global_step_3"), recursive: true);
        Train(config, sharded, 1, "--resume");
        AssertSameTensors(Path.Combine(Checkpoint(one, 3), "model.safetensors"), Path.Combine(Checkpoint(sharded, 3), "model.safetensors"));
        AssertSameTensors(Optimizer(one, 3), Optimizer(sharded, 3));
        AssertSameMetrics(oneRows, MetricsLog.ReadJsonl(Path.Combine(sharded, MetricsLog.JsonlFileName)), steps: 4, MetricNames.PgLoss, MetricNames.ValRewardMean);
    }

    // PPO after an SFT warm start: SFT batches of 8 in micro-batches of 2 (2 per rank); PPO with a critic, KL in the
    // reward (reference and old log-prob passes) and 2 PPO epochs over mini-batches of 2 trajectories (1 micro-batch per rank).
    private const string PpoConfig = """
        {
          "algorithm": "ppo", "adv_estimator": "gae", "seed": 3, "batch_size": 4, "epochs": 1, "n": 1,
          "max_prompt_length": 1024, "max_response_length": 10,
          "actor_lr": 0.002, "critic_lr": 0.003, "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 1, "ppo_epochs": 2,
          "kl_coef": 0.05, "use_kl_in_reward": true, "entropy_coeff": 0.01, "critic_warmup": 0,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 300 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 2, "preset": "tiny", "instructions": "minimal" } },
          "sft": { "epochs": 1, "lr": 0.004, "batch_size": 8, "micro_batch_size": 2 },
          "trainer": { "experiment_name": "dp-ppo", "save_freq": -1, "test_freq": -1, "val_before_train": false, "total_training_steps": 2 }
        }
        """;

    [Fact]
    public void TwoRanksRunTheSftWarmStartAndPpoWithItsCriticLikeOne()
    {
        var config = CliHarness.WriteConfig(Path.Combine(_temp.Path, "ppo.json"), PpoConfig);
        var one = Path.Combine(_temp.Path, "one");
        var two = Path.Combine(_temp.Path, "two");
        Train(config, one, 1);
        Train(config, two, 2);

        // The SFT warm start step by step, then PPO (critic and actor) step by step.
        AssertSameMetrics(MetricsLog.ReadJsonl(Path.Combine(one, "sft", MetricsLog.JsonlFileName)),
            MetricsLog.ReadJsonl(Path.Combine(two, "sft", MetricsLog.JsonlFileName)), steps: 2, MetricNames.SftLoss);
        AssertSameTensors(Path.Combine(one, "sft", "model", "model.safetensors"), Path.Combine(two, "sft", "model", "model.safetensors"));
        AssertSameMetrics(MetricsLog.ReadJsonl(Path.Combine(one, MetricsLog.JsonlFileName)),
            MetricsLog.ReadJsonl(Path.Combine(two, MetricsLog.JsonlFileName)), steps: 2, MetricNames.VfLoss, MetricNames.PgLoss, MetricNames.RewardKlPenalty);
        var files = Directory.GetFiles(Path.Combine(one, "checkpoints", "global_step_2"), "*.safetensors", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.Contains("critic", StringComparison.Ordinal));
        foreach (var file in files)
        {
            AssertSameTensors(file, Path.Combine(two, Path.GetRelativePath(one, file)));
        }
    }

    [Fact]
    public void WhenOneRankFailsTheLauncherStopsTheOthersAndReportsIt()
    {
        // The config is read by every rank; a missing file fails them all at once, and the launcher reports rank 0's error.
        var (code, _, err) = RunCli("train", Path.Combine(_temp.Path, "missing.json"), "--output", Path.Combine(_temp.Path, "out"), "--nproc-per-node", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("missing.json", err, StringComparison.Ordinal);
        Assert.Contains("exited with code", err, StringComparison.Ordinal);
    }

    private static void AssertSameMetrics(IReadOnlyList<MetricsRow> expected, IReadOnlyList<MetricsRow> actual, int steps, params string[] logged)
    {
        Assert.Equal(steps, expected.Count);
        Assert.Equal(expected.Select(r => r.Step), actual.Select(r => r.Step));
        for (var i = 0; i < expected.Count; i++)
        {
            var compared = 0;
            foreach (var (name, want) in expected[i].Values)
            {
                if (name.StartsWith("timing_s/", StringComparison.Ordinal) || name.StartsWith("perf/", StringComparison.Ordinal))
                {
                    continue;   // wall-clock times differ run to run
                }
                Assert.True(actual[i].Values.TryGetValue(name, out var got), $"step {expected[i].Step}: {name} missing from the 2-rank run");
                var close = double.IsNaN(want) ? double.IsNaN(got) : Math.Abs(want - got) <= 1e-5 * Math.Max(1e-3, Math.Abs(want));
                Assert.True(close, $"step {expected[i].Step}: {name} = {got:R} on 2 ranks, {want:R} on 1");
                compared++;
            }
            Assert.True(compared > 5, $"step {expected[i].Step}: only {compared} metrics compared");
        }
        foreach (var name in logged)
        {
            Assert.Contains(expected, r => r.Values.ContainsKey(name));
        }
    }

    private static void AssertSameTensors(string expectedFile, string actualFile)
    {
        using var scope = torch.NewScope();
        var expected = Safetensors.Load(expectedFile);
        var actual = Safetensors.Load(actualFile);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, want) in expected)
        {
            var diff = (want.To(DType.Float64) - actual[name].To(DType.Float64)).Abs().Max().ItemDouble();
            Assert.True(diff <= 1e-5, $"{Path.GetFileName(actualFile)} {name}: max |Δ| = {diff:G3}");
        }
    }

    private static string Checkpoint(string run, int step) => Path.Combine(run, "checkpoints", $"global_step_{step}", "actor");

    private static string Optimizer(string run, int step) => Path.Combine(run, "checkpoints", $"global_step_{step}", "optimizer.safetensors");

    private static void Train(string config, string output, int ranks, params string[] extra)
    {
        var (code, _, err) = RunCli(["train", config, "--output", output, "--nproc-per-node", ranks.ToString(), "--dist-timeout", "300", .. extra]);
        Assert.True(code == 0, $"{ranks}-rank run failed ({code}): {err}");
    }

    private static void TrainOnTwoNodes(string config, string output)
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;   // free now; node 0's store takes it next
        }
        var errors = new[] { new StringWriter(), new StringWriter() };
        var launchers = Enumerable.Range(0, 2).Select(node => CliHarness.Start(["train", config, "--output", output, "--nproc-per-node", "1", "--nnodes", "2",
            "--node-rank", node.ToString(), "--master-addr", "127.0.0.1", "--master-port", port.ToString(), "--dist-timeout", "300"], stderr: errors[node])).ToArray();
        try
        {
            for (var node = 0; node < 2; node++)
            {
                Assert.True(launchers[node].WaitForExit(TimeSpan.FromMinutes(4)), $"node {node}'s launcher did not finish within 4 minutes");
                launchers[node].WaitForExit();
                lock (errors[node])
                {
                    Assert.True(launchers[node].ExitCode == 0, $"node {node} failed ({launchers[node].ExitCode}): {errors[node]}");
                }
            }
        }
        finally
        {
            foreach (var launcher in launchers)
            {
                if (!launcher.HasExited)
                {
                    launcher.Kill(entireProcessTree: true);
                }
                launcher.Dispose();
            }
        }
    }

    private static (int Code, string Out, string Err) RunCli(params string[] args)
    {
        var stderr = new StringWriter();
        using var child = CliHarness.Start(args, stderr: stderr);
        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(4)), "the launcher did not finish within 4 minutes");
        child.WaitForExit();
        lock (stderr)
        {
            return (child.ExitCode, "", stderr.ToString());
        }
    }
}
