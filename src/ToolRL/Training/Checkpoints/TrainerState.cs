using System.Text.Json;
using System.Text.Json.Serialization;
using ToolRL.Torch.IO;

namespace ToolRL.Training.Checkpoints;

/// <summary>
/// The non-tensor state of a run at a checkpoint (<c>trainer_state.json</c>): everything besides the weights and
/// optimizer moments that a resumed run needs to continue exactly as the uninterrupted one would.
/// </summary>
internal sealed record TrainerState
{
    /// <summary>File name inside a checkpoint.</summary>
    public const string FileName = "trainer_state.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The last finished step.</summary>
    public required long Step { get; init; }

    /// <summary>The phase ("sft", "grpo", "ppo").</summary>
    public required string Phase { get; init; }

    /// <summary>Data position: epoch.</summary>
    public required int DataEpoch { get; init; }

    /// <summary>Data position: index of the next batch's first element in the epoch's order.</summary>
    public required int DataPosition { get; init; }

    /// <summary>Data order seed.</summary>
    public required int DataSeed { get; init; }

    /// <summary>The KL-in-reward coefficient β after this step (the adaptive controller's state).</summary>
    public double? KlCoef { get; init; }

    /// <summary>The learning rate used at this step (informative; the schedule is recomputed from the step).</summary>
    public double LearningRate { get; init; }

    /// <summary>Writes the state into <paramref name="directory"/>.</summary>
    public void Save(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Options));

    /// <summary>Reads the state of a checkpoint directory; a missing or unreadable file is a clear error.</summary>
    public static TrainerState Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new InvalidDataException($"cannot read the trainer state {path}: {e.Message}. Fix: resume from another checkpoint (delete this one) or start fresh without --resume.", e);
        }
    }
}
