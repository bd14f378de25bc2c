namespace ToolRL.Runs;

/// <summary>What a run may do with its folder: continue the run there, replace it, accept schedule changes.</summary>
public sealed record RunStartOptions
{
    /// <summary>Continue the run in the folder from its latest complete checkpoint (<c>--resume</c>).</summary>
    public bool Resume { get; init; }

    /// <summary>Replace a finished run in the folder (<c>--overwrite</c>); the old one is removed only once the new one has started.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Accept changed schedule-like keys on resume (<c>--allow-config-change</c>); they are logged and recorded.</summary>
    public bool AllowConfigChange { get; init; }
}
