using ToolRL.Algorithms;
using ToolRL.Distributed;
using ToolRL.Torch;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;
using static ToolRL.Torch.torch;

namespace ToolRL.Training;

public abstract partial class RlTrainer
{
    /// <summary>
    /// <c>ppo_epochs</c> passes over the mini-batches; each mini-batch is one optimizer step whose loss is normalised
    /// over the whole mini-batch (<see cref="LossNormalizer"/>), accumulated over micro-batches. With
    /// <c>ratio_threshold</c>, a micro-batch whose mean ratio exceeds it adds no gradient (trl zeroes its loss).
    /// </summary>
    private void UpdateActor(StepData data, Dictionary<string, double> metrics)
    {
        var policy = Setup.Policy;
        policy.Module.Train();
        var settings = ConfiguredAlgorithms.PolicyLossSettingsOf(Config);
        double pgLoss = 0, klLoss = 0, tokens = 0, clipFrac = 0, clipFracLower = 0, ppoKl = 0, entropy = 0, ratioSkipped = 0;
        // On-policy (no old log-probs): the update's forward, before its only optimizer step, is the trainer's view of
        // the sampled tokens, so the sampler-vs-trainer diff is read from it instead of a separate scoring pass.
        var probsDiff = new RolloutProbsDiff();
        var diffFromUpdate = data.OldLogProbs is null && data.RolloutLogProbs is not null;
        var optimizerSteps = UpdateByMiniBatches(data, _actor, (batch, normalizer) =>
        {
            var (logProbs, tokenEntropy) = policy.ScoreResponses(batch, Config.Sampling.Temperature, withEntropy: true);
            var old = data.OldLogProbs is null ? logProbs.Detach() : batch.Select(data.OldLogProbs);
            var result = _policyLoss(old, logProbs, batch.Select(data.Advantages!), batch.ResponseMask, settings, normalizer);
            var loss = result.PgLoss;
            var microTokens = batch.TokenCount;
            using (NoGrad())
            {
                entropy += Masked.Sum(tokenEntropy!, batch.ResponseMask).ItemDouble();
                if (diffFromUpdate)
                {
                    probsDiff = probsDiff.Add(RolloutProbsDiff.Of(logProbs, batch.Select(data.RolloutLogProbs!), batch.ResponseMask));
                }
            }
            clipFrac += result.PgClipFrac * microTokens;
            clipFracLower += result.PgClipFracLower * microTokens;
            ppoKl += result.PpoKl * microTokens;
            tokens += microTokens;
            var skipped = Config.RatioThreshold is not null && RatioThreshold.Skips(RatioThreshold.MeanRatio(old, logProbs, batch.ResponseMask), Config.RatioThreshold);
            if (skipped)
            {
                // As trl: the whole loss times 0 (finite: the log-ratio is clamped), so its gradient is 0 but
                // the backward still runs, as every micro-batch's does. Its pg_loss counts as 0, as trl logs it.
                ratioSkipped++;
                return loss * 0.0;
            }
            pgLoss += result.PgLoss.ItemDouble();
            if (Config.EntropyCoeff != 0)
            {
                loss = loss - LossAggregation.Aggregate(tokenEntropy!, batch.ResponseMask, Config.LossAggMode, normalizer) * Config.EntropyCoeff;
            }
            if (Config.UseKlLoss && Config.NeedsReferenceModel)
            {
                var kl = KlPenalty.Estimate(logProbs, batch.Select(data.RefLogProbs!), Config.KlLossType);
                var klAgg = LossAggregation.Aggregate(kl, batch.ResponseMask, Config.LossAggMode, normalizer);
                klLoss += klAgg.ItemDouble();
                loss = loss + klAgg * Config.KlCoef;
            }
            return loss;
        });
        // Data-parallel: every sum above covered this rank's micro-batches only.
        var sums = new[] { pgLoss, klLoss, tokens, clipFrac, clipFracLower, ppoKl, entropy, ratioSkipped };
        RankShare.Sum(Setup.Group, sums);
        (pgLoss, klLoss, tokens, clipFrac, clipFracLower, ppoKl, entropy, ratioSkipped) = (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7]);
        metrics[MetricNames.PgLoss] = pgLoss / optimizerSteps;
        metrics[MetricNames.PgClipFrac] = clipFrac / Math.Max(tokens, 1);
        metrics[MetricNames.PgClipFracLower] = clipFracLower / Math.Max(tokens, 1);
        metrics[MetricNames.PpoKl] = ppoKl / Math.Max(tokens, 1);
        metrics.TryAdd(MetricNames.Entropy, entropy / Math.Max(tokens, 1));
        if (diffFromUpdate)
        {
            RolloutProbsDiff.AcrossRanks(Setup.Group, probsDiff).WriteTo(metrics);
        }
        if (Config.RatioThreshold is not null)
        {
            metrics[MetricNames.RatioSkipped] = ratioSkipped;
        }
        if (Config.UseKlLoss && Config.NeedsReferenceModel)
        {
            metrics[MetricNames.KlLoss] = klLoss / optimizerSteps;
            metrics[MetricNames.KlCoef] = Config.KlCoef;
        }
        _actor.ReportMetrics(metrics);
    }

    /// <summary>
    /// The PPO update loop of the actor and the critic: <c>ppo_epochs</c> passes over the mini-batches (grouped as
    /// <see cref="MiniBatchPlan.ByGroup"/>), one optimizer step of <paramref name="group"/> per mini-batch. Each
    /// micro-batch's loss (<paramref name="microBatchLoss"/>, given the mini-batch's <see cref="LossNormalizer"/>) is
    /// back-propagated and accumulated; data-parallel ranks take their micro-batches round robin. Returns the number of
    /// optimizer steps.
    /// </summary>
    private protected int UpdateByMiniBatches(StepData data, ParameterGroup group, Func<MicroBatch, LossNormalizer, Tensor> microBatchLoss)
    {
        var plan = MiniBatchPlan.ByGroup(data.GroupIds, Config.PpoMiniBatchSize, Config.PpoMicroBatchSize);
        var optimizerSteps = 0;
        for (var epoch = 0; epoch < Config.PpoEpochs; epoch++)
        {
            foreach (var mini in plan)
            {
                var normalizer = NormalizerOf(data, mini.SelectMany(m => m));
                group.ZeroGrad();
                var mine = RankShare.RoundRobin(mini.Count, Setup.Group);
                foreach (var k in mine)
                {
                    using var scope = NewScope();
                    var batch = data.BuildMicroBatch(mini[k], Setup.Prompts.PadTokenId);
                    group.Backward(microBatchLoss(batch, normalizer), lastMicroBatch: k == mine[^1]);
                }
                group.Step();
                optimizerSteps++;
            }
        }
        return optimizerSteps;
    }

    /// <summary>
    /// Advantages (and returns) from the step's token-level rewards with the configured estimator
    /// (<c>adv_estimator</c>), reading the critic's values when it needs them; with <c>argument_credit</c>, refined per
    /// argument value (<see cref="ArgumentCreditAdvantage"/>).
    /// </summary>
    private protected void EstimateAdvantages(StepData data, Dictionary<string, double> metrics)
    {
        var input = ConfiguredAlgorithms.AdvantageInputOf(Config, data.TokenLevelRewards!, data.ResponseMask, data.GroupIds, data.Values);
        var result = _estimator.Compute(input);
        data.Advantages = data.Own(result.Advantages);
        if (Config.ArgumentCredit)
        {
            // Argument-level credit replaces the outcome advantage on the tokens of each argument value.
            var (credited, fraction) = ArgumentCreditAdvantage.Apply(result.Advantages, data.ResponseMask,
                data.Trajectories.Select(t => t.CreditSpans).ToList(), data.GroupIds, input.Epsilon,
                normalizeByStd: input.NormalizeByStd && _estimator.Name != AdvantageEstimators.DrGrpo);
            data.Advantages = data.Own(credited);
            metrics[MetricNames.ArgumentCreditTokenFraction] = fraction;
        }
        // Outcome estimators return the advantages twice; only distinct returns (GAE's, REINFORCE++'s) are kept.
        if (!ReferenceEquals(result.Returns, result.Advantages))
        {
            data.Returns = data.Own(result.Returns);
        }
    }

    /// <summary>Mini-batch denominators from the generated-token counts (same as <see cref="LossNormalizer.For(IEnumerable{Tensor}, double)"/> without building masks).</summary>
    private protected LossNormalizer NormalizerOf(StepData data, IEnumerable<int> indices)
    {
        var lengths = indices.Select(i => data.GeneratedTokenCounts[i]).ToList();
        return new LossNormalizer(lengths.Sum(), lengths.Count(l => l > 0), Config.EffectiveLossScaleFactor);
    }

    /// <summary>
    /// Log-probs <c>[N, R_max]</c> of every response under <paramref name="model"/> without gradients, in micro-batches
    /// (data-parallel: each rank scores its share, <see cref="GatherRows"/>);
    /// with <paramref name="withEntropy"/> also the mean token entropy (verl logs actor/entropy from this pass).
    /// </summary>
    private protected (Tensor LogProbs, double Entropy) ForwardLogProbs(IPolicyModel model, StepData data, bool withEntropy)
    {
        model.Module.Eval();
        using var noGrad = NoGrad();
        var entropySum = new double[1];
        var logProbs = GatherRows(data, batch =>
        {
            var (logProbs, entropy) = model.ScoreResponses(batch, Config.Sampling.Temperature, withEntropy);
            if (withEntropy)
            {
                entropySum[0] += Masked.Sum(entropy!, batch.ResponseMask).ItemDouble();
            }
            return logProbs;
        });
        RankShare.Sum(Setup.Group, entropySum);
        var total = data.GeneratedTokenCounts.Sum();
        return (logProbs, total == 0 ? double.NaN : entropySum[0] / total);
    }

    private void AddDataMetrics(StepData data, Dictionary<string, double> metrics)
    {
        var scores = data.Rewards;
        metrics[MetricNames.ScoreMean] = BatchStatistics.Mean(scores);
        metrics[MetricNames.ScoreMax] = BatchStatistics.Max(scores);
        metrics[MetricNames.ScoreMin] = BatchStatistics.Min(scores);
        using (var scope = NewScope())
        {
            var sequenceRewards = (data.TokenLevelRewards! * data.ResponseMask).Sum(-1).ToArray<float>().Select(v => (double)v).ToList();
            metrics[MetricNames.RewardsMean] = BatchStatistics.Mean(sequenceRewards);
            var valid = data.ResponseMask.Gt(0);
            var advantages = data.Advantages!.MaskedSelect(valid).ToArray<float>().Select(v => (double)v).ToList();
            metrics[MetricNames.AdvantagesMean] = BatchStatistics.Mean(advantages);
            metrics[MetricNames.AdvantagesMax] = BatchStatistics.Max(advantages);
            metrics[MetricNames.AdvantagesMin] = BatchStatistics.Min(advantages);
            if (data.Returns is not null)
            {
                metrics[MetricNames.ReturnsMean] = BatchStatistics.Mean(data.Returns.MaskedSelect(valid).ToArray<float>().Select(v => (double)v).ToList());
            }
        }
        // Response length counts the generated tokens (the loss mask), not observations inserted between turns.
        var lengths = data.GeneratedTokenCounts.Select(l => (double)l).ToList();
        metrics[MetricNames.ResponseLengthMean] = BatchStatistics.Mean(lengths);
        metrics[MetricNames.ResponseLengthMax] = BatchStatistics.Max(lengths);
        metrics[MetricNames.ResponseLengthMin] = BatchStatistics.Min(lengths);
        metrics[MetricNames.ResponseLengthClipRatio] = data.Trajectories.Count(t => !t.Stopped) / (double)data.Trajectories.Count;
        metrics[MetricNames.PromptLengthMean] = data.Trajectories.Average(t => t.PromptIds.Count);
    }
}
