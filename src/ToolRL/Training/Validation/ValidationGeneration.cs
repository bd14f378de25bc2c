namespace ToolRL.Training.Validation;

/// <summary>
/// One held-out row's greedy response and its scores, as written to <c>validation/step_N.jsonl</c> (verl's
/// <c>log_val_generations</c>, here for every row) so a run's answers can be read, diffed and re-scored.
/// </summary>
/// <param name="Index">Row position in the held-out set.</param>
/// <param name="Request">The last prompt message (the user turn).</param>
/// <param name="Response">The decoded response.</param>
/// <param name="GroundTruth">The row's ground truth.</param>
/// <param name="Reward">Total reward.</param>
/// <param name="Components">Named reward components of this row (e.g. <c>toolrl/format</c>), where the functions report them.</param>
/// <param name="ExactMatch">Whether the response makes exactly the ground truth's calls (null when the ground truth has none).</param>
public sealed record ValidationGeneration(
    int Index, string Request, string Response, string GroundTruth, double Reward,
    IReadOnlyDictionary<string, double> Components, bool? ExactMatch);
