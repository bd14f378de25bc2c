using System.Text.Json.Nodes;
using static ToolRL.Data.Synthetic.ValuePools;

namespace ToolRL.Data.Synthetic;

/// <summary>
/// The built-in tools of the synthetic task: everyday assistant tools with typed parameters (string, int, float,
/// boolean, list). Every parameter value of a call appears verbatim in the request (or is implied by its wording),
/// so a tiny model can learn the request → call mapping by copying.
/// </summary>
internal static class ToolCatalogue
{
    public static IReadOnlyList<ToolSpec> All { get; } =
    [
        new("calculator", "Evaluate an arithmetic expression.",
            [new("expression", "string", "Math expression")],
            r => Values(("expression", Expression(r))),
            [new("What is {expression}?"), new("Calculate {expression} for me."), new("Can you compute {expression}?")],
            "Can you do some math for me?", "Sure, which expression should I calculate?"),
        new("get_weather", "Get the current weather for a city.",
            [new("city", "string", "City name"), new("unit", "string", "celsius or fahrenheit")],
            r => Values(("city", Text(r, Cities)), ("unit", Text(r, TemperatureUnits))),
            [new("What's the weather in {city} in {unit}?"), new("Tell me the temperature in {city} in {unit}."), new("How warm is it in {city}? Use {unit}.")],
            "What's the weather like?", "Which city would you like the weather for?"),
        new("web_search", "Search the web.",
            [new("query", "string", "Search query"), new("num_results", "int", "Result count")],
            r => Values(("query", Text(r, Topics)), ("num_results", Integer(r, 1, 10))),
            [new("Search the web for {query} and show {num_results} results."), new("Find {num_results} pages about {query}."), new("Look up {query}, {num_results} results please.")],
            "Can you search something for me?", "Of course, what should I search for?"),
        new("convert_units", "Convert a value between units.",
            [new("value", "float", "Amount"), new("from_unit", "string", "Source unit"), new("to_unit", "string", "Target unit")],
            r =>
            {
                var (from, to) = r.Pick(UnitPairs);
                return Values(("value", Decimal(r, 500)), ("from_unit", Named(from)), ("to_unit", Named(to)));
            },
            [new("Convert {value} {from_unit} to {to_unit}."), new("How many {to_unit} is {value} {from_unit}?"), new("Change {value} {from_unit} into {to_unit}.")],
            "Can you convert a measurement?", "Sure, what value and units should I convert?"),
        new("convert_currency", "Convert money between currencies.",
            [new("amount", "float", "Amount"), new("from_currency", "string", "Source currency"), new("to_currency", "string", "Target currency")],
            r =>
            {
                var codes = Currencies.ToList();
                r.Shuffle(codes);
                return Values(("amount", Decimal(r, 900)), ("from_currency", Named(codes[0])), ("to_currency", Named(codes[1])));
            },
            [new("Convert {amount} {from_currency} to {to_currency}."), new("How much is {amount} {from_currency} in {to_currency}?"), new("Exchange {amount} {from_currency} into {to_currency}.")],
            "What's the exchange rate?", "Which currencies and amount should I convert?"),
        new("create_event", "Add an event to the calendar.",
            [new("title", "string", "Event title"), new("date", "string", "YYYY-MM-DD"), new("time", "string", "HH:MM")],
            r => Values(("title", Text(r, EventTitles)), ("date", Date(r)), ("time", Time(r))),
            [new("Add {title} on {date} at {time} to my calendar."), new("Schedule {title} for {date} at {time}."), new("Put {title} in my calendar on {date} at {time}.")],
            "Can you add something to my calendar?", "Sure, what is the event and when is it?"),
        new("send_email", "Send an email.",
            [new("to", "string", "Email address"), new("subject", "string", "Subject line")],
            r => Values(("to", Email(r)), ("subject", Text(r, Subjects))),
            [new("Email {to} with the subject {subject}."), new("Send an email to {to} about {subject}."), new("Write to {to}, subject {subject}.")],
            "Can you send an email for me?", "Sure, who should I email and about what?"),
        new("translate_text", "Translate text into another language.",
            [new("text", "string", "Text"), new("target_language", "string", "Language"), new("formal", "boolean", "Formal tone")],
            r => Values(("text", Text(r, Phrases)), ("target_language", Text(r, Languages))),
            [new("Translate {text} into {target_language}, formally.", Fixed(("formal", true))),
             new("Translate {text} into {target_language}, casually.", Fixed(("formal", false))),
             new("How do I say {text} in {target_language}? Keep it formal.", Fixed(("formal", true)))],
            "Can you translate something?", "Sure, what text and which language?"),
        new("set_timer", "Start a countdown timer.",
            [new("minutes", "int", "Minutes"), new("label", "string", "Timer name")],
            r => Values(("minutes", Integer(r, 1, 90)), ("label", Text(r, TimerLabels))),
            [new("Set a {minutes} minute timer for {label}."), new("Start a timer of {minutes} minutes called {label}."), new("Time my {label} for {minutes} minutes.")],
            "Set a timer please.", "How many minutes should the timer run?"),
        new("get_stock_quote", "Get the latest stock price.",
            [new("symbol", "string", "Ticker symbol")],
            r => Values(("symbol", Text(r, Symbols))),
            [new("What's the price of {symbol}?"), new("Get me a quote for {symbol}."), new("How is {symbol} trading?")],
            "How are my stocks doing?", "Which ticker symbol should I look up?"),
        new("get_news", "Get the latest news headlines.",
            [new("topic", "string", "News topic"), new("count", "int", "Headline count")],
            r => Values(("topic", Text(r, NewsTopics)), ("count", Integer(r, 1, 10))),
            [new("Show me {count} {topic} headlines."), new("Get the top {count} news stories about {topic}."), new("What's new in {topic}? Give me {count} stories.")],
            "What's in the news?", "Which topic would you like news about?"),
        new("set_reminder", "Create a reminder.",
            [new("text", "string", "What to remember"), new("time", "string", "HH:MM")],
            r => Values(("text", Text(r, ReminderTexts)), ("time", Time(r))),
            [new("Remind me to {text} at {time}."), new("Set a reminder at {time} to {text}."), new("At {time}, remind me to {text}.")],
            "Can you remind me of something?", "Sure, what should I remind you about and when?"),
        new("get_directions", "Get travel directions between two places.",
            [new("origin", "string", "Starting city"), new("destination", "string", "Destination city"), new("mode", "string", "Travel mode")],
            r =>
            {
                var cities = Cities.ToList();
                r.Shuffle(cities);
                return Values(("origin", Named(cities[0])), ("destination", Named(cities[1])), ("mode", Text(r, TravelModes)));
            },
            [new("How do I get from {origin} to {destination} by {mode}?"), new("Directions from {origin} to {destination}, {mode}."), new("Plan a {mode} route from {origin} to {destination}.")],
            "I need directions.", "Where are you starting from and where are you going?"),
        new("book_restaurant", "Book a table at a restaurant.",
            [new("restaurant", "string", "Restaurant name"), new("people", "int", "Party size"), new("time", "string", "HH:MM")],
            r => Values(("restaurant", Text(r, Restaurants)), ("people", Integer(r, 1, 12)), ("time", Time(r))),
            [new("Book a table at {restaurant} for {people} at {time}."), new("Reserve {restaurant} for {people} people at {time}."), new("Get us a table for {people} at {restaurant} at {time}.")],
            "I want to eat out tonight.", "Which restaurant, for how many people and at what time?"),
        new("find_recipes", "Find recipes that use some ingredients.",
            [new("ingredients", "list", "Ingredients")],
            r => Values(("ingredients", List(r, Ingredients))),
            [new("Find a recipe with {ingredients}."), new("What can I cook with {ingredients}?"), new("Suggest a dish using {ingredients}.")],
            "What should I cook?", "Which ingredients do you have?"),
        new("get_time", "Get the local time in a city.",
            [new("city", "string", "City name")],
            r => Values(("city", Text(r, Cities))),
            [new("What time is it in {city}?"), new("Tell me the local time in {city}."), new("What's the current time in {city}?")],
            "What time is it there?", "Which city do you mean?"),
    ];

    /// <summary>Small talk answered with a response only: request phrasings and the fixed answer.</summary>
    public static IReadOnlyList<(string[] Requests, string Answer)> SmallTalk { get; } =
    [
        (["Hi there!", "Hello!", "Good morning!"], "Hello! How can I help you today?"),
        (["Thanks a lot!", "Thank you!", "Great, thanks."], "You're welcome! Anything else I can do?"),
        (["Bye!", "See you later.", "That's all for now."], "Goodbye! Have a great day."),
    ];

    /// <summary>Requests no catalogue tool can serve, with the polite refusal.</summary>
    public static IReadOnlyList<string> Unsupported { get; } =
        ["Book me a flight to Tokyo.", "Order a pizza for me.", "Call a taxi now.", "Pay my electricity bill."];

    public const string UnsupportedAnswer = "Sorry, none of my tools can do that.";

    private static SlotValue Named(string text) => new(JsonValue.Create(text), text);

    private static IReadOnlyDictionary<string, SlotValue> Values(params (string Name, SlotValue Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static IReadOnlyDictionary<string, JsonNode> Fixed(params (string Name, bool Value)[] values) =>
        values.ToDictionary(v => v.Name, v => (JsonNode)JsonValue.Create(v.Value));
}
