namespace ToolRL.Rewards;

/// <summary>
/// The ToolRL reward of one response with its components, as the reference's <c>compute_score</c> returns
/// them (<c>(total, format, correctness, length)</c>, rlla.py l.305).
/// </summary>
/// <param name="Format">Format reward: fmax if the response has the required tag structure, else fmin (default 1 / 0).</param>
/// <param name="Correctness">Tool-call correctness in [cmin, cmax] (default [−3, 3]); 0.0 when the ground truth has no tool call.</param>
/// <param name="Length">Length reward in [0, 1]; 0 unless WITHLENGTH is on.</param>
/// <param name="Total"><c>Format + Correctness + Length</c>, summed in that order.</param>
public readonly record struct ToolRLScore(double Format, double Correctness, double Length, double Total);
