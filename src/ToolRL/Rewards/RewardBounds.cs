namespace ToolRL.Rewards;

/// <summary>
/// The (max, min) of a reward component after the step-dependent switches (rlla.py <c>compute_score</c>), applied in
/// the reference's order: MAX1STEP30MAX3 first, then SCHEDULEREWARD on the bounds it left.
/// </summary>
/// <param name="Max">The value of a perfect answer.</param>
/// <param name="Min">The value of a failed answer.</param>
public readonly record struct RewardBounds(double Max, double Min)
{
    /// <summary>Format bounds: (1, 0); MAX1STEP30MAX3 halves them from step 30; SCHEDULEREWARD moves them from (2, −2) toward (1, −1) over 150 steps.</summary>
    public static RewardBounds ForFormat(ToolRLRewardOptions options, int step)
    {
        double max = 1.0, min = 0.0;
        if (options.Max1Step30Max3 && step >= 30)
        {
            max /= 2;
            min /= 2;
        }
        if (options.ScheduleReward)
        {
            // l.55-62: written as Python evaluates it, left to right.
            max = 2 - (2 - max) * step / 150;
            min = -2 + (2 + min) * step / 150;
            if (max < 1.0)
            {
                max = 1.0;
            }
            if (min > -1.0)
            {
                min = -1.0;
            }
        }
        return new RewardBounds(max, min);
    }

    /// <summary>
    /// Correctness bounds: (3, −3), or (1, −1) with CORRECTMAX1; MAX1STEP30MAX3 divides them by 3 before step 30;
    /// SCHEDULEREWARD moves them from (2, −2) toward their value over 150 steps, clamped only at ±3.
    /// </summary>
    public static RewardBounds ForCorrectness(ToolRLRewardOptions options, int step)
    {
        double max = options.CorrectMax1 ? 1.0 : 3.0;
        double min = options.CorrectMax1 ? -1.0 : -3.0;
        if (options.Max1Step30Max3 && step < 30)
        {
            max /= 3;
            min /= 3;
        }
        if (options.ScheduleReward)
        {
            // l.212-219
            max = (max - 2) * step / 150 + 2;
            min = (min + 2) * step / 150 - 2;
            if (max > 3.0)
            {
                max = 3.0;
            }
            if (min < -3.0)
            {
                min = -3.0;
            }
        }
        return new RewardBounds(max, min);
    }
}
