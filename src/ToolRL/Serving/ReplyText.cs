using ToolRL.Generation;
using ToolRL.Tokenization;

namespace ToolRL.Serving;

/// <summary>
/// One reply's text as its tokens arrive, and how much of it can be sent to a streaming client yet. Held back: an
/// incomplete UTF-8 character at the end (decoded as U+FFFD), the end of the text that could still become a stop
/// string, and — when tools are offered (<c>calls</c> is the dialect they are written in) — everything from where calls
/// may start (<see cref="ChatDialect.CallsMayStartAt"/>: the first <c>&lt;tool_call&gt;</c> and the newline before it,
/// or a Llama 3 reply opening with <c>{</c>), since the finished reply decides whether that is a call or text. Not
/// <c>incremental</c>, it only collects the ids and decodes the finished reply.
/// </summary>
internal sealed class ReplyText(Func<IReadOnlyList<int>, string> decode, IReadOnlyList<string> stops, ChatDialect? calls, bool incremental = true)
{
    private readonly List<int> _ids = [];

    /// <summary>The generated ids so far.</summary>
    public IReadOnlyList<int> Ids => _ids;

    /// <summary>The decoded text so far (cut before a stop string once one appeared).</summary>
    public string Text { get; private set; } = "";

    /// <summary>The text sent so far (always a prefix of <see cref="Text"/>).</summary>
    public string Sent { get; private set; } = "";

    /// <summary>Adds <paramref name="id"/>; returns the text that can be sent now (often empty).</summary>
    public string Add(int id, bool last)
    {
        _ids.Add(id);
        if (!incremental && !last)
        {
            return "";
        }
        var text = decode(_ids);
        var cut = stops.Count > 0 ? StopStrings.FirstIndex(text, stops) : -1;
        Text = cut >= 0 ? text[..cut] : text;
        var ready = Text.Length;
        if (!last && cut < 0)
        {
            ready -= UnfinishedSuffix(Text);
        }
        if (calls is not null)
        {
            ready = Math.Min(ready, calls.CallsMayStartAt(Text));
        }
        if (ready <= Sent.Length || !Text.StartsWith(Sent, StringComparison.Ordinal))
        {
            return "";
        }
        var delta = Text[Sent.Length..ready];
        Sent = Text[..ready];
        return delta;
    }

    /// <summary>Characters at the end that may still change: an incomplete character or the start of a stop string.</summary>
    private int UnfinishedSuffix(string text)
    {
        var held = 0;
        while (held < text.Length && text[^(held + 1)] == '\uFFFD')
        {
            held++;
        }
        foreach (var stop in stops)
        {
            for (var k = Math.Min(stop.Length - 1, text.Length); k > held; k--)
            {
                if (text.EndsWith(stop[..k], StringComparison.Ordinal))
                {
                    held = k;
                    break;
                }
            }
        }
        return held;
    }
}
