namespace ToolRL.Rewards;

/// <summary>
/// Thrown when scoring against a ground truth that the reference reward would crash on
/// (see <see cref="ToolRLGroundTruth.Validate"/>, which finds these at dataset load).
/// </summary>
public sealed class InvalidGroundTruthException : ArgumentException
{
    /// <summary>Creates the exception with the validation message.</summary>
    public InvalidGroundTruthException(string message)
        : base(message, "groundTruth")
    {
    }
}
