using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Testing;

namespace ToolRL.Tests.Data;

/// <summary>A config whose data file is missing says which file and where to get it (third-party data is not in the repository).</summary>
public class MissingDatasetTests
{
    [Theory]
    [InlineData("grpo-tiny-rlla.json")]
    [InlineData("grpo-qwen2.5-3b-toolrl.json")]
    [InlineData("ppo-qwen2.5-7b-toolrl-cold.json")]
    public void ShippedRllaConfigsNameTheMissingFileAndItsOrigin(string config)
    {
        var data = TrainingConfig.Load(TestPaths.InRepo("configs", config)).Data;
        foreach (var file in data.TrainFiles.Concat(data.ValFiles))
        {
            Assert.StartsWith("data/rlla_4k/", file, StringComparison.Ordinal);
            var error = Assert.Throws<DatasetException>(() => RlDataset.Load(file));
            Assert.Contains($"'{file}' does not exist", error.Message);
            Assert.Contains(Path.GetFullPath(file), error.Message);
            Assert.Contains("github.com/qiancheng0/ToolRL, folder dataset/rlla_4k/", error.Message);
            Assert.Contains("data/README.md", error.Message);
        }
    }

    [Fact]
    public void AnUnknownMissingFilePointsToTheDataReadme()
    {
        var error = Assert.Throws<DatasetException>(() => SftDataset.Load("no-such-folder/mine.jsonl"));
        Assert.Contains("'no-such-folder/mine.jsonl' does not exist", error.Message);
        Assert.Contains("data/README.md", error.Message);
        Assert.DoesNotContain("github.com", error.Message);
    }
}
