using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Rewards;

namespace ToolRL.Runs;

/// <summary>
/// Checks every input a configuration names before a run writes or removes anything: data files exist, read
/// and hold usable rows (so an empty training file is found before a tokenizer is trained on it), and the
/// tokenizer and base-model folders exist. Reads only; every problem is reported, each naming the key, the
/// path and the fix.
/// </summary>
internal static class RunInputCheck
{
    /// <summary>Checks the inputs of <paramref name="config"/>.</summary>
    /// <exception cref="RunSetupException">Some input is missing, unreadable or empty.</exception>
    public static void Check(TrainingConfig config)
    {
        var problems = new List<string>();
        var options = new DatasetLoadOptions { InvalidRows = config.Data.InvalidRows, GroundTruthValidator = ToolRLGroundTruthRules.Validate };
        var trainRows = 0;
        foreach (var path in config.Data.TrainFiles)
        {
            trainRows += Rows("data.train_files", path, p => Summary(RlDataset.Load(p, options)), problems) ?? 0;
        }
        if (config.Data.TrainFiles.Count > 0 && trainRows == 0 && problems.Count == 0)
        {
            problems.Add($"data.train_files: {string.Join(", ", config.Data.TrainFiles)} hold no usable training rows; fix: point train_files at a dataset with rows");
        }
        foreach (var path in config.Data.ValFiles)
        {
            Rows("data.val_files", path, p => Summary(RlDataset.Load(p, options)), problems);
        }
        foreach (var path in config.Sft?.TrainFiles ?? [])
        {
            Rows("sft.train_files", path, p => Summary(SftDataset.Load(p, options)), problems);
        }
        if (config.Model.BaseModel is { } baseModel && !File.Exists(Path.Combine(baseModel, "config.json")))
        {
            problems.Add($"model.base_model: {Path.GetFullPath(baseModel)} has no config.json; fix: point base_model at a Hugging Face model folder");
        }
        if (config.Tokenizer.TrainBpe is null && config.Tokenizer.Path is { } tokenizer && !Directory.Exists(tokenizer))
        {
            problems.Add($"tokenizer.path: folder {Path.GetFullPath(tokenizer)} does not exist; fix: point it at a folder with tokenizer.json");
        }
        if (problems.Count > 0)
        {
            throw new RunSetupException(string.Join("; ", problems));
        }
    }

    /// <summary>The number of usable rows of one file, or null after recording why it cannot be used.</summary>
    private static int? Rows(string key, string path, Func<string, (int Rows, int Invalid, string? FirstProblem)> load, List<string> problems)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            problems.Add($"{key}: {full} does not exist; fix: correct the path or create the file");
            return null;
        }
        try
        {
            var (rows, invalid, first) = load(full);
            if (rows == 0)
            {
                problems.Add(invalid == 0
                    ? $"{key}: {full} is empty; fix: point {key} at a file with rows"
                    : $"{key}: {full} has no valid rows ({invalid} invalid, first: {first}); fix: repair the rows");
                return null;
            }
            return rows;
        }
        catch (Exception e) when (e is DatasetException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{key}: {e.Message}");
            return null;
        }
    }

    private static (int, int, string?) Summary(RlDataset d) => (d.Count, d.Problems.Count, d.Problems.Count > 0 ? d.Problems[0].ToString() : null);

    private static (int, int, string?) Summary(SftDataset d) => (d.Count, d.Problems.Count, d.Problems.Count > 0 ? d.Problems[0].ToString() : null);
}
