using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Distributed;
using ToolRL.Torch.Distributed;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;
using static ToolRL.Torch.torch;

namespace ToolRL.Training;

/// <summary>
/// Supervised fine-tuning: cross-entropy on the assistant tokens only (the answer and its closing &lt;|im_end|&gt;),
/// the prompt rendered with the Qwen2.5 chat template as at generation time; token-mean over each batch with
/// micro-batch gradient accumulation; AdamW on the <c>sft.lr_scheduler</c> schedule (default: linear warmup over the first
/// 5% of steps, then constant); gradient clipping.
/// The warm start of the paper's "SFT + GRPO" recipe, or a run of its own (<c>algorithm: sft</c>).
/// </summary>
public sealed class SftTrainer : IDisposable
{
    private readonly IPolicyModel _policy;
    private readonly int _padTokenId;
    private readonly int _count;
    private readonly Func<int, SftSequence> _encode;   // example i → its ids (and loss mask), truncated to max_length
    private readonly SftConfig _sft;
    private readonly LrSchedulerConfig _schedule;   // sft.lr_scheduler with its warmup resolved for this run
    private readonly int _seed;
    private readonly int _maxLength;
    private readonly double _weightDecay;
    private readonly double _maxGradNorm;
    private readonly ILogger? _logger;
    private ParameterGroup? _group;

    /// <summary>Builds the trainer over <paramref name="examples"/> with the <c>sft</c> section of <paramref name="config"/>.</summary>
    public SftTrainer(TrainingConfig config, IPolicyModel policy, PromptEncoder prompts, IReadOnlyList<SftRow> examples, ILogger? logger = null)
        : this(config, policy, prompts.PadTokenId, examples.Count, i =>
        {
            var prompt = prompts.Encode(examples[i].Prompt);
            return new SftSequence(prompt, prompts.EncodeResponse(examples[i].Response.Content));
        }, logger)
    {
    }

    /// <summary>
    /// Builds the trainer over encoded <paramref name="sequences"/> (e.g. multi-turn agent trajectories): the loss
    /// covers the response tokens whose <see cref="SftSequence.LossMask"/> is true (all of them when it is null).
    /// </summary>
    public SftTrainer(TrainingConfig config, IPolicyModel policy, int padTokenId, IReadOnlyList<SftSequence> sequences, ILogger? logger = null)
        : this(config, policy, padTokenId, sequences.Count, i => sequences[i], logger)
    {
    }

    private SftTrainer(TrainingConfig config, IPolicyModel policy, int padTokenId, int count, Func<int, SftSequence> encode, ILogger? logger)
    {
        _sft = config.Sft ?? throw new ArgumentException("the configuration has no sft section; add \"sft\": { \"epochs\": 1, \"lr\": 1e-4 }", nameof(config));
        if (count == 0)
        {
            throw new ArgumentException("no SFT examples were given", nameof(count));
        }
        _policy = policy;
        _padTokenId = padTokenId;
        _count = count;
        _maxLength = _sft.MaxLength ?? config.MaxPromptLength + config.MaxResponseLength;
        _encode = i => Truncate(encode(i));
        _seed = config.Seed;
        _weightDecay = config.WeightDecay;
        _maxGradNorm = config.MaxGradNorm;
        _logger = logger;
        StepsPerEpoch = (count + _sft.BatchSize - 1) / _sft.BatchSize;
        TotalSteps = (long)StepsPerEpoch * _sft.Epochs;
        // The warmup is at least one step, as before the schedule was configurable.
        _schedule = _sft.LrScheduler.WarmupSteps > 0
            ? _sft.LrScheduler
            : _sft.LrScheduler with { WarmupSteps = Math.Max(1, _sft.LrScheduler.WarmupStepsFor((int)TotalSteps)), WarmupRatio = 0 };
    }

    /// <summary>
    /// Data-parallel ranks (docs/distributed.md), or null for one process: each rank runs its share of every batch's
    /// micro-batches (round robin) and the gradients are summed over the ranks before each step
    /// (<see cref="ParameterGroup.DataParallel"/>), so every rank holds the 1-process weights and logs its metrics.
    /// </summary>
    public ProcessGroup? Group { get; init; }

    /// <summary>Optimizer steps per epoch (the last batch may be smaller).</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Planned optimizer steps.</summary>
    public long TotalSteps { get; }

    /// <summary>
    /// Optimizer step s (1-based) trains with the rate after s scheduler steps, so a warmup never spends a step at
    /// rate 0.
    /// </summary>
    private double LearningRateAt(long step) => ScheduledLearningRate.After(_schedule, step, (int)TotalSteps, _sft.Lr);

    /// <summary>Trains, yielding after every optimizer step with <c>sft/loss</c> (mean token cross-entropy), <c>sft/grad_norm</c>, <c>sft/skipped_steps</c>, <c>sft/lr</c>.</summary>
    public async IAsyncEnumerable<TrainingStepResult> TrainAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        _group ??= Group is { } ranks
            ? ParameterGroup.DataParallel("sft", _policy.Module.TrainableParameters(), _sft.Lr, _weightDecay, _maxGradNorm, ranks, logger: _logger)
            : ParameterGroup.Trainable("sft", _policy.Module, _sft.Lr, _weightDecay, _maxGradNorm, _logger);
        var order = new EpochIterator(_count, _sft.BatchSize, _seed, dropLast: false, shuffle: true);
        var encoded = new SftSequence[_count];
        for (long step = 1; step <= TotalSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            var stepStart = Stopwatch.GetTimestamp();
            var batch = order.NextBatch();
            foreach (var i in batch)
            {
                encoded[i] ??= _encode(i);
            }
            _group.LearningRate = LearningRateAt(step);
            _policy.Module.Train();
            _group.ZeroGrad();
            var tokens = batch.Sum(i => encoded[i].TrainedTokens);
            var loss = new double[1];
            var micros = batch.Chunk(_sft.MicroBatchSize).ToArray();
            var mine = RankShare.RoundRobin(micros.Length, Group);
            foreach (var k in mine)
            {
                var micro = micros[k];
                using var scope = NewScope();
                using var microBatch = MicroBatch.Build(micro, i => encoded[i].PromptIds, i => encoded[i].ResponseIds, _padTokenId, i => encoded[i].LossMask);
                var (logProbs, _) = _policy.ScoreResponses(microBatch, 1.0, withEntropy: false);
                // Token-mean over the whole batch: each micro-batch contributes its summed NLL / batch tokens.
                var nll = -Masked.Sum(logProbs, microBatch.ResponseMask) / tokens;
                _group.Backward(nll, lastMicroBatch: k == mine[^1]);
                loss[0] += nll.ItemDouble();
            }
            RankShare.Sum(Group, loss);
            _group.Step();
            var metrics = new Dictionary<string, double>
            {
                [MetricNames.SftLoss] = loss[0],
                [MetricNames.SftTokens] = tokens,
            };
            _group.ReportMetrics(metrics);
            metrics[MetricNames.Epoch] = (step - 1) / StepsPerEpoch;
            metrics[MetricNames.TimingStep] = Stopwatch.GetElapsedTime(stepStart).TotalSeconds;
            yield return new TrainingStepResult("sft", step, TotalSteps, new MetricsRow(step, metrics), Stopwatch.GetElapsedTime(started));
        }
    }

    private SftSequence Truncate(SftSequence sequence)
    {
        var keep = Math.Max(1, _maxLength - sequence.PromptIds.Count);
        return sequence.ResponseIds.Length <= keep ? sequence : sequence with { ResponseIds = sequence.ResponseIds[..keep], LossMask = sequence.LossMask?[..keep] };
    }

    /// <inheritdoc />
    public void Dispose() => _group?.Dispose();
}

/// <summary>One encoded SFT example: the prompt's ids, the response's ids, and which response tokens are trained.</summary>
/// <param name="PromptIds">The rendered prompt.</param>
/// <param name="ResponseIds">Every token after the prompt.</param>
/// <param name="LossMask">True on trained tokens (the assistant's own); null = every response token.</param>
public sealed record SftSequence(IReadOnlyList<int> PromptIds, int[] ResponseIds, bool[]? LossMask = null)
{
    /// <summary>The number of trained tokens.</summary>
    public int TrainedTokens => LossMask?.Count(m => m) ?? ResponseIds.Length;
}
