using ToolRL.Generation;

namespace ToolRL.Serving;

/// <summary>
/// One reply's text as its tokens arrive, and how much of it can be sent to a streaming client yet. Held back: an
/// incomplete UTF-8 character at the end (decoded as U+FFFD), the end of the text that could still become a stop
/// string, and — when tools are offered — everything from the first <c>&lt;tool_call&gt;</c> (or the start of one) and
/// a newline just before it, since the finished reply decides whether that is a call or text. Not
/// <c>incremental</c>, it only collects the ids and decodes the finished reply.
/// </summary>
internal sealed class ReplyText(Func<IReadOnlyList<int>, string> decode, IReadOnlyList<string> stops, bool toolsOffered, bool incremental = true)
{
    private const string CallOpening = "<tool_call>";
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
        if (toolsOffered)
        {
            ready = Math.Min(ready, BeforeCalls(Text));
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

    /// <summary>Where the text that may belong to tool calls starts: the first (possibly partial) opening, less one newline.</summary>
    private static int BeforeCalls(string text)
    {
        var at = text.IndexOf(CallOpening, StringComparison.Ordinal);
        if (at < 0)
        {
            at = text.Length;
            for (var k = Math.Min(CallOpening.Length - 1, text.Length); k > 0; k--)
            {
                if (text.EndsWith(CallOpening[..k], StringComparison.Ordinal))
                {
                    at = text.Length - k;
                    break;
                }
            }
        }
        return at > 0 && text[at - 1] == '\n' ? at - 1 : at;
    }
}
