namespace ToolRL.Tests;

public class CliTests
{
    [Fact]
    public void RootCommandListsVersion()
    {
        var root = ToolRL.Cli.Program.BuildRootCommand();
        Assert.Contains(root.Subcommands, c => c.Name == "version");
    }
}
