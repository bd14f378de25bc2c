namespace ToolRL.Rewards;

/// <summary>One reference switch: its environment-variable name and the option property it sets.</summary>
internal sealed record RewardSwitch(
    string Name, string PropertyName, Func<ToolRLRewardOptions, bool> Get, Func<ToolRLRewardOptions, bool, ToolRLRewardOptions> With)
{
    /// <summary>The nine switches in the order rlla.py reads them (docs/rewards.md, Switches).</summary>
    public static IReadOnlyList<RewardSwitch> All { get; } =
    [
        new("CORRECTMAX1", "correctMax1", o => o.CorrectMax1, (o, v) => o with { CorrectMax1 = v }),
        new("WITHLENGTH", "withLength", o => o.WithLength, (o, v) => o with { WithLength = v }),
        new("SCHEDULELENGTH", "scheduleLength", o => o.ScheduleLength, (o, v) => o with { ScheduleLength = v }),
        new("REFINEDREWARD", "refinedReward", o => o.RefinedReward, (o, v) => o with { RefinedReward = v }),
        new("COARSEREWARD", "coarseReward", o => o.CoarseReward, (o, v) => o with { CoarseReward = v }),
        new("INTERMEDIATEREWARD", "intermediateReward", o => o.IntermediateReward, (o, v) => o with { IntermediateReward = v }),
        new("MAX1STEP30MAX3", "max1Step30Max3", o => o.Max1Step30Max3, (o, v) => o with { Max1Step30Max3 = v }),
        new("SCHEDULEREWARD", "scheduleReward", o => o.ScheduleReward, (o, v) => o with { ScheduleReward = v }),
        new("STRICTMATCH", "strictMatch", o => o.StrictMatch, (o, v) => o with { StrictMatch = v }),
    ];

    /// <summary>The switch called <paramref name="key"/> (reference or camelCase name), or null.</summary>
    public static RewardSwitch? Find(string key) =>
        All.FirstOrDefault(s => s.Name == key || s.PropertyName == key);
}
