using System.Globalization;
using System.Text.Json.Nodes;
using ToolRL.Data;

namespace ToolRL.Agents.Retail;

/// <summary>
/// Seeded retail tasks in tau2's shape: each holds the seed of its shop, the scripted user's lines (the opening
/// request and what the user reveals when the agent answers before the task is done), the gold turns (tool calls
/// and answers of one reference solution) and the information the final answer must state. Six kinds, taken in turn:
/// order status, cancel, return, change an order's address, count a user's orders from their email (two look-ups),
/// and cancel where the user gives the order only when asked.
/// </summary>
internal static class RetailTaskGenerator
{
    /// <summary>Every task kind, in the order tasks cycle through them.</summary>
    public static readonly string[] Kinds = ["order_status", "cancel", "return", "change_address", "count_orders", "cancel_when_asked"];

    /// <summary><paramref name="count"/> tasks of the given kinds from <paramref name="seed"/>; ids are "{prefix}-{index}".</summary>
    public static IReadOnlyList<AgentTask> Generate(long seed, int count, IReadOnlyList<string> kinds, string prefix, int users, int orderIdDigits = 4)
    {
        var tasks = new List<AgentTask>(count);
        var random = new SeededRandom(seed, stream: 29);
        for (var i = 0; tasks.Count < count; i++)
        {
            var dbSeed = seed * 100_003 + i;
            var db = RetailDatabase.Generate(dbSeed, users, orderIdDigits);
            var kind = kinds[tasks.Count % kinds.Count];
            if (Make(kind, db, random) is { } data)
            {
                data["kind"] = kind;
                data["db_seed"] = dbSeed;
                data["users"] = users;
                if (orderIdDigits != 4)
                {
                    data["order_id_digits"] = orderIdDigits;
                }
                tasks.Add(new AgentTask($"{prefix}-{tasks.Count:000}", data));
            }
            if (i > count * 20)
            {
                throw new InvalidOperationException($"could not make {count} '{string.Join(",", kinds)}' tasks from seed {seed}");
            }
        }
        return tasks;
    }

    private static JsonObject? Make(string kind, RetailDatabase db, SeededRandom random)
    {
        RetailDatabase.Order? Pick(string? status)
        {
            var eligible = db.Orders.Values.Where(o => status is null || o.Status == status).ToList();
            return eligible.Count == 0 ? null : eligible[random.Next(eligible.Count)];
        }
        switch (kind)
        {
            case "order_status":
            {
                var order = Pick(null)!;
                return Task([$"Hi! What is the status of my order {order.Id}?"],
                    [Call("get_order_details", ("order_id", order.Id)), Say($"Your order {order.Id} is {order.Status}.")],
                    [order.Status]);
            }
            case "cancel":
            {
                if (Pick("pending") is not { } order)
                {
                    return null;
                }
                var reason = RetailTools.CancelReasons[random.Next(2)];
                return Task([$"Please cancel my order {order.Id}. Reason: {reason}."],
                    [Call("cancel_pending_order", ("order_id", order.Id), ("reason", reason)), Say($"Your order {order.Id} has been cancelled.")],
                    ["cancelled"]);
            }
            case "return":
            {
                if (Pick("delivered") is not { } order)
                {
                    return null;
                }
                return Task([$"I would like to return my order {order.Id}."],
                    [Call("return_delivered_order", ("order_id", order.Id)), Say($"The return of your order {order.Id} has been requested.")],
                    ["return"]);
            }
            case "change_address":
            {
                if (Pick("pending") is not { } order)
                {
                    return null;
                }
                var address = RetailDatabase.RandomAddress(random);
                if (address == order.Address)
                {
                    return null;
                }
                return Task([$"Please ship my order {order.Id} to {address} instead."],
                    [Call("modify_pending_order_address", ("order_id", order.Id), ("address", address)), Say($"Your order {order.Id} will now ship to {address}.")],
                    [address.Replace(",", "", StringComparison.Ordinal)]);
            }
            case "count_orders":
            {
                var user = db.Users.Values.ElementAt(random.Next(db.Users.Count));
                var n = user.OrderIds.Count;
                var said = n == 1 ? "1 order" : $"{n.ToString(CultureInfo.InvariantCulture)} orders";
                return Task([$"Hi, my email is {user.Email}. How many orders do I have?"],
                    [Call("find_user_id_by_email", ("email", user.Email)), Call("get_user_details", ("user_id", user.Id)), Say($"You have {said}.")],
                    [said]);
            }
            case "cancel_when_asked":
            {
                if (Pick("pending") is not { } order)
                {
                    return null;
                }
                var reason = RetailTools.CancelReasons[random.Next(2)];
                return Task(["I want to cancel an order.", $"It is order {order.Id}. Reason: {reason}."],
                    [Say("Sure. Which order would you like to cancel, and why?"),
                     Call("cancel_pending_order", ("order_id", order.Id), ("reason", reason)),
                     Say($"Your order {order.Id} has been cancelled.")],
                    ["cancelled"]);
            }
            default:
                throw new ArgumentException($"unknown retail task kind '{kind}'; known: {string.Join(", ", Kinds)}");
        }
    }

    private static JsonObject Task(string[] userLines, JsonObject[] goldTurns, string[] communicate) => new()
    {
        ["user_lines"] = new JsonArray([.. userLines.Select(l => (JsonNode?)l)]),
        ["gold_turns"] = new JsonArray([.. goldTurns]),
        ["communicate_info"] = new JsonArray([.. communicate.Select(c => (JsonNode?)c)]),
    };

    private static JsonObject Call(string name, params (string Key, string Value)[] arguments) => new()
    {
        ["tool_calls"] = new JsonArray(new JsonObject
        {
            ["name"] = name,
            ["arguments"] = new JsonObject(arguments.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
        }),
    };

    private static JsonObject Say(string content) => new() { ["content"] = content };
}
