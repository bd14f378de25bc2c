using System.Globalization;
using System.Text.Json.Nodes;

namespace ToolRL.Data.Synthetic;

/// <summary>
/// The small vocabularies the synthetic requests draw their argument values from. With
/// <see cref="ValueDraw.Wide"/> the numbers, dates and times come from much wider ranges (the word pools stay):
/// a model cannot get them right by writing a typical value, only by copying it from the request.
/// </summary>
internal static class ValuePools
{
    public static readonly string[] Cities =
        ["Paris", "Rome", "Tokyo", "Berlin", "Madrid", "Cairo", "Lima", "Oslo", "Dublin", "Seoul", "Sydney", "Toronto",
         "Chicago", "Boston", "Denver", "Mumbai", "Lagos", "Nairobi", "Vienna", "Prague", "Lisbon", "Athens", "Quito", "Austin"];

    public static readonly string[] TemperatureUnits = ["celsius", "fahrenheit"];

    public static readonly string[] Topics =
        ["electric cars", "python tutorials", "healthy recipes", "mars missions", "jazz history", "solar panels",
         "chess openings", "marathon training", "coral reefs", "ancient rome", "home gardening", "quantum computing"];

    public static readonly (string From, string To)[] UnitPairs =
        [("km", "miles"), ("miles", "km"), ("kg", "pounds"), ("pounds", "kg"), ("meters", "feet"), ("feet", "meters"),
         ("liters", "gallons"), ("gallons", "liters"), ("inches", "cm"), ("cm", "inches")];

    public static readonly string[] Currencies = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR"];

    public static readonly string[] EventTitles =
        ["team meeting", "dentist appointment", "lunch with Sam", "project review", "yoga class", "book club", "piano lesson", "budget call"];

    public static readonly string[] People = ["anna", "ben", "carla", "dev", "emma", "farid", "grace", "hugo", "ines", "jon"];

    public static readonly string[] Subjects =
        ["lunch plans", "project update", "weekend trip", "invoice", "meeting notes", "birthday party", "travel receipts"];

    public static readonly string[] Phrases =
        ["good morning", "where is the station", "thank you very much", "see you tomorrow", "how much does it cost", "I am hungry"];

    public static readonly string[] Languages = ["Spanish", "French", "German", "Italian", "Japanese", "Portuguese", "Korean", "Dutch"];

    public static readonly string[] TimerLabels = ["tea", "pasta", "laundry", "workout", "nap", "bread", "pizza"];

    public static readonly string[] Symbols = ["AAPL", "MSFT", "GOOG", "AMZN", "TSLA", "NVDA", "META", "IBM", "ORCL", "INTC"];

    public static readonly string[] NewsTopics = ["sports", "technology", "science", "business", "health", "travel", "music", "climate"];

    public static readonly string[] ReminderTexts =
        ["call mom", "buy milk", "water the plants", "pay rent", "submit the report", "walk the dog", "renew my passport"];

    public static readonly string[] TravelModes = ["driving", "walking", "transit", "cycling"];

    public static readonly string[] Restaurants = ["Green Garden", "Sushi Bar", "Taco Town", "Blue Lotus", "Pasta House", "Curry Corner"];

    public static readonly string[] Ingredients =
        ["eggs", "rice", "tomato", "cheese", "chicken", "spinach", "garlic", "beans", "onion", "potato", "mushrooms", "tofu"];

    public static SlotValue Text(ValueDraw random, IReadOnlyList<string> pool)
    {
        var text = random.Pick(pool);
        return new SlotValue(JsonValue.Create(text), text);
    }

    /// <summary>An integer in [min, max]; wide: in [min, max(10 × max, 99)].</summary>
    public static SlotValue Integer(ValueDraw random, int min, int max)
    {
        var value = random.NextInclusive(min, random.Wide ? Math.Max(10 * max, 99) : max);
        return new SlotValue(JsonValue.Create(value), value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A number with one or two decimals whose last digit is not 0, so C# and Python print it the same way: whole
    /// part up to <paramref name="maxWhole"/> and a multiple of 0.05; wide: whole part up to 20 × maxWhole and any
    /// of 0.01 … 0.99.
    /// </summary>
    public static SlotValue Decimal(ValueDraw random, int maxWhole)
    {
        var hundredths = random.Wide
            ? random.NextInclusive(1, 20 * maxWhole) * 100 + random.NextInclusive(1, 99)
            : random.NextInclusive(1, maxWhole) * 100 + random.NextInclusive(1, 19) * 5;
        var value = hundredths / 100.0;
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return new SlotValue(JsonValue.Create(value), text);
    }

    /// <summary>A day of 2025; wide: of 2000 … 2039.</summary>
    public static SlotValue Date(ValueDraw random)
    {
        // Year and month from one draw, so wide rows consume the generator as typical ones do.
        var (year, month) = random.Wide ? Math.DivRem(random.NextInclusive(2000 * 12, 2040 * 12 - 1), 12) : (2025, random.NextInclusive(1, 12) - 1);
        var text = $"{year}-{month + 1:00}-{random.NextInclusive(1, 28):00}";
        return new SlotValue(JsonValue.Create(text), text);
    }

    /// <summary>A quarter hour from 07:00 to 21:45; wide: any minute of the day.</summary>
    public static SlotValue Time(ValueDraw random)
    {
        var text = random.Wide
            ? $"{random.NextInclusive(0, 23):00}:{random.NextInclusive(0, 59):00}"
            : $"{random.NextInclusive(7, 21):00}:{random.Pick(["00", "15", "30", "45"])}";
        return new SlotValue(JsonValue.Create(text), text);
    }

    public static SlotValue Email(ValueDraw random)
    {
        var text = random.Pick(People) + "@example.com";
        return new SlotValue(JsonValue.Create(text), text);
    }

    /// <summary>Two operands of 2 … 99 (wide: 2 … 999) and an operator.</summary>
    public static SlotValue Expression(ValueDraw random)
    {
        var max = random.Wide ? 999 : 99;
        var text = $"{random.NextInclusive(2, max)} {random.Pick(["+", "-", "*", "/"])} {random.NextInclusive(2, max)}";
        return new SlotValue(JsonValue.Create(text), text);
    }

    /// <summary>Two or three distinct items, written "a, b and c".</summary>
    public static SlotValue List(ValueDraw random, IReadOnlyList<string> pool)
    {
        var picked = pool.ToList();
        random.Shuffle(picked);
        var items = picked.Take(random.NextInclusive(2, 3)).ToList();
        var text = string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1];
        return new SlotValue(new JsonArray(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()), text);
    }
}
