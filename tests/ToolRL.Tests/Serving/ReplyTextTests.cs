using Microsoft.Extensions.AI;
using ToolRL.Serving;

namespace ToolRL.Tests.Serving;

/// <summary>What a streaming reply may send as each token arrives, and the in-process client's streaming.</summary>
public sealed class ReplyTextTests : IClassFixture<TinyPolicyFixture>
{
    private readonly ChatPolicy _policy;

    public ReplyTextTests(TinyPolicyFixture fixture) => _policy = fixture.Policy;

    /// <summary>One character per token id, '?' standing for an incomplete UTF-8 character (U+FFFD) until the next token.</summary>
    private static string Decode(IReadOnlyList<int> ids) =>
        string.Concat(ids.Select((id, i) => id == '?' ? (i == ids.Count - 1 ? "\uFFFD" : "é") : ((char)id).ToString()));

    private static List<string> Feed(ReplyText reply, string tokens) =>
        [.. tokens.Select((c, i) => reply.Add(c, i == tokens.Length - 1))];

    [Fact]
    public void Text_that_could_still_become_a_stop_string_or_a_character_is_held_back()
    {
        var reply = new ReplyText(Decode, ["END"], calls: null);
        Assert.Equal(["a", "", "EX", "b", "", "", ""], Feed(reply, "aEXbEND"));
        Assert.Equal("aEXb", reply.Text);
        Assert.Equal("aEXb", reply.Sent);

        var accents = new ReplyText(Decode, [], calls: null);
        Assert.Equal(["a", "", "éb"], Feed(accents, "a?b"));
    }

    [Fact]
    public void With_tools_a_call_block_and_the_newline_before_it_wait_for_the_end()
    {
        var reply = new ReplyText(Decode, [], calls: ToolRL.Tokenization.ChatDialect.Qwen25);
        var sent = Feed(reply, "Hi\n<tool_call>\n{}");
        Assert.Equal("Hi", string.Concat(sent));
        Assert.Equal("Hi\n<tool_call>\n{}", reply.Text);

        // A '<' that does not open a block is released once it cannot anymore.
        var plain = new ReplyText(Decode, [], calls: ToolRL.Tokenization.ChatDialect.Qwen25);
        Assert.Equal(["a", "", "", "<tx", "!"], Feed(plain, "a<tx!"));
    }

    [Fact]
    public async Task In_process_streaming_yields_the_reply_token_by_token_then_finish_and_usage()
    {
        using var client = new PolicyChatClient(_policy);
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 16 };
        var whole = await client.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "hello")], options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "hello")], options))
        {
            updates.Add(update);
        }
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "the text came in one piece");
        Assert.Equal(whole.FinishReason, updates[^1].FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Equal(whole.Usage!.OutputTokenCount, usage.Details.OutputTokenCount);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
    }
}
