#:package ToolRL@0.1.0
#:property PublishAot=false
// Generate with a trained model and score the answers with the ToolRL reward, no training loop involved: load a
// Hugging Face folder (by default the SFT model sft-then-grpo.cs wrote), answer held-out synthetic prompts greedily,
// score each answer and the expected one. One JSON object per line.
//   dotnet run samples/scripts/score-and-generate.cs [-- MODEL_FOLDER]   (from the repository root, after packing)
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Serving;

var modelDir = args.Length > 0 ? args[0] : "runs/demo-sft/sft/model";
using var policy = ChatPolicy.Load(modelDir);   // the weights and the tokenizer saved beside them
var rows = SyntheticToolTask.Generate(3, seed: 99, SyntheticTaskOptions.Tiny);
var greedy = new ChatSampling { Temperature = 0, MaxTokens = 24 };

// Each row twice: the model's answer, then the expected one (format 1, and correctness 3 when it is a tool call).
var samples = rows.SelectMany(row => new[]
{
    ("generated", new RewardSample { Prompt = row.Prompt, Completion = policy.Complete(row.Prompt, tools: null, greedy).Content, GroundTruth = row.GroundTruth }),
    ("expected", new RewardSample { Prompt = row.Prompt, Completion = row.GroundTruth, GroundTruth = row.GroundTruth }),
}).ToList();
var scores = new ToolRLRewardFunction().Score(samples.Select(s => s.Item2).ToList());
var readable = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };   // keep < > as they are
for (var i = 0; i < samples.Count; i++)
{
    Console.WriteLine(new JsonObject
    {
        ["kind"] = samples[i].Item1,
        ["completion"] = samples[i].Item2.Completion,
        ["ground_truth"] = samples[i].Item2.GroundTruth,
        ["reward"] = scores[i],
        ["format"] = scores.Components["format"][i],
        ["correctness"] = scores.Components["correctness"][i],
    }.ToJsonString(readable));
}
