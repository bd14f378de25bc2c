namespace ToolRL.Data;

/// <summary>
/// Where the public datasets that the shipped configs name come from, so the error for a missing file says how to
/// get it. Third-party datasets are not in the repository or the package; data/README.md has the full list.
/// </summary>
internal static class KnownDatasets
{
    private static readonly (string Marker, string Origin)[] Origins =
    [
        ("rlla_4k_raw", "ToolRL's raw sets (github.com/qiancheng0/ToolRL, folder dataset/rlla_4k_raw/, Apache-2.0)"),
        ("rlla_4k", "ToolRL's rlla_4k (github.com/qiancheng0/ToolRL, folder dataset/rlla_4k/: train.parquet, test.parquet; Apache-2.0)"),
        ("BFCL_v3_", "BFCL v3 (github.com/ShishirPatil/gorilla, folder berkeley-function-call-leaderboard/data/, Apache-2.0)"),
        ("step_grained", "StepTool's step-grained files (github.com/yuyq18/StepTool, folder data_train/<model>/)"),
    ];

    /// <summary>The sentence that follows "file X does not exist": the dataset's origin when the path names a known one.</summary>
    public static string WhereToGet(string path)
    {
        var full = Path.GetFullPath(path);
        foreach (var (marker, origin) in Origins)
        {
            if (full.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return $" (looked for {full}); it is part of {origin}: download it there and put it at this path, see data/README.md";
            }
        }
        return $" (looked for {full}); data/README.md of the ToolRL.NET repository lists the datasets the shipped configs use and where to put them";
    }
}
