using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Tokenization;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Training.Pipeline;

/// <summary>
/// Stage 2, the tokenizer: a byte-level BPE trained on the run's prompts and answers (<c>tokenizer.train_bpe</c>,
/// published under <c>tokenizer/</c>), or the configured <c>tokenizer.path</c> / the base model's. An environment
/// run passes its own corpus (its tasks' texts) instead of the prompts.
/// </summary>
internal static class TokenizerStage
{
    public static Qwen2Tokenizer Run(TrainingConfig config, string outputDir, IReadOnlyList<RlRow> train, IReadOnlyList<string>? agentCorpus, Action<string> log)
    {
        var tokenizerConfig = config.Tokenizer;
        if (tokenizerConfig.TrainBpe is not { } bpe)
        {
            var path = tokenizerConfig.Path ?? config.Model.BaseModel
                ?? throw new InvalidOperationException("no tokenizer: set tokenizer.path, model.base_model, or tokenizer.train_bpe");
            return Qwen2Tokenizer.FromDirectory(path);
        }
        var dir = Path.Combine(outputDir, "tokenizer");
        AtomicDirectory.Publish(dir, temp =>
        {
            // The corpus is what the model will read and write: prompts, answers, and the chat template's role words.
            var corpus = (agentCorpus ?? SyntheticToolTask.CorpusTexts(train))
                .Concat(agentCorpus is null && config.Sft?.TrainFiles.Count > 0 ? DataStage.SftRows(config, train, log).Select(r => r.Response.Content) : [])
                .Append("system\nuser\nassistant\n");
            var tokenizer = BpeTrainer.Train(corpus, bpe.VocabSize, new BpeTrainerOptions { MinFrequency = bpe.MinFrequency });
            tokenizer.Save(temp);
        });
        var trained = Qwen2Tokenizer.FromDirectory(dir);
        log($"tokenizer: byte-level BPE with {trained.VocabSize} tokens in {dir}");
        return trained;
    }
}
