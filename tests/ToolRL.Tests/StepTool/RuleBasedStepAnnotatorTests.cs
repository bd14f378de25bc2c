using ToolRL.StepTool;

namespace ToolRL.Tests.StepTool;

/// <summary>StepTool's rule-based annotation (annotation_by_rules.ipynb): SuccCalling's checks and the LCS contribution.</summary>
public sealed class RuleBasedStepAnnotatorTests
{
    [Theory]
    [InlineData("""{"error": "", "response": {"order_id": "#W1", "status": "delivered"}}""", true)]
    [InlineData("""{"error": "Not found: no order"}""", false)]
    [InlineData("""{"error": "", "response": {"status": 400, "message": "bad"}}""", false)]
    [InlineData("""{"error": "", "response": [1, 2]}""", true)]
    [InlineData("""{"error": "", "response": true}""", true)]
    [InlineData("""{"error": "", "response": "Something went wrong"}""", false)]
    [InlineData("""{"error": "", "response": "Please provide a key"}""", false)]
    [InlineData("""{"error": "", "response": "the list is empty"}""", false)]
    [InlineData("""{"error": "", "response": "Paris, 18 C"}""", true)]
    [InlineData("""{"order_id": "#W1", "status": "pending"}""", true)]
    [InlineData("plain text answer", true)]
    [InlineData("An error occurred", false)]
    public void SuccCallingFollowsStepToolsRules(string observation, bool expected) =>
        Assert.Equal(expected, RuleBasedStepAnnotator.Succeeded(observation));

    [Theory]
    [InlineData("ABCBDAB", "BDCABA", 4)]
    [InlineData("", "abc", 0)]
    [InlineData("abc", "abc", 3)]
    [InlineData("order #W123 delivered", "Your order #W123 is delivered.", 21)]
    public void LongestCommonSubsequence(string a, string b, int expected) =>
        Assert.Equal(expected, RuleBasedStepAnnotator.LongestCommonSubsequence(a, b));

    [Fact]
    public void ContributionIsTheLcsShareOfTheToolOutput()
    {
        // 21 of the 21 output characters reappear in order in the answer: 1.0 ≥ 0.3.
        Assert.True(RuleBasedStepAnnotator.Contributed("order #W123 delivered", "Your order #W123 is delivered."));
        // A long output of which the answer keeps little: 3/40 < 0.3.
        Assert.False(RuleBasedStepAnnotator.Contributed(new string('x', 37) + "abc", "abc"));
        Assert.Equal((1 + 1) / 2.0, RuleBasedStepAnnotator.StepScore(["order #W123 delivered"], "Your order #W123 is delivered."));
        Assert.Equal(0.25, RuleBasedStepAnnotator.StepScore(["""{"error": "x"}""", "order #W123 delivered-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"], "nothing alike"));
    }
}
