using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ToolRL.Agents.Retail;

/// <summary>
/// The retail shop's ten tools over one <see cref="RetailDatabase"/>: plain C# methods made into
/// <see cref="AIFunction"/>s by <see cref="AIFunctionFactory"/> (their JSON schemas come from the signatures and
/// descriptions). Look-ups return JSON; actions change the state and refuse what the policy forbids by throwing,
/// which the executor turns into an error observation (as tau2's tools do). Without <paramref name="exampleIds"/> the
/// argument descriptions give no example value ("The order id" instead of "The order id, e.g. #W1234").
/// </summary>
internal sealed class RetailTools(RetailDatabase db, bool exampleIds = true)
{
    // Drops ", e.g. …" from every description in a parameter schema.
    private static readonly AIFunctionFactoryOptions NoExamples = new()
    {
        JsonSchemaCreateOptions = new AIJsonSchemaCreateOptions
        {
            TransformSchemaNode = (_, node) =>
            {
                if (node is JsonObject o && o["description"] is JsonValue v && v.TryGetValue<string>(out var text) && text.IndexOf(", e.g. ", StringComparison.Ordinal) is >= 0 and var at)
                {
                    o["description"] = text[..at];
                }
                return node;
            },
        },
    };

    /// <summary>The reasons a pending order may be cancelled with.</summary>
    public static readonly string[] CancelReasons = ["no longer needed", "ordered by mistake"];

    /// <summary>The tools that change the state (tau2's WRITE tools).</summary>
    public static readonly IReadOnlySet<string> WriteTools = new HashSet<string>(StringComparer.Ordinal)
    {
        "cancel_pending_order", "return_delivered_order", "modify_pending_order_address", "modify_user_address",
    };

    /// <summary>The names of the ten tools, in the order they are shown to the model.</summary>
    public static readonly IReadOnlyList<string> Names = [.. new RetailTools(new RetailDatabase()).Functions().Select(f => f.Name)];

    /// <summary>The tools named in <paramref name="offered"/> (all when null), in the order they are shown to the model.</summary>
    public IReadOnlyList<AIFunction> Functions(IReadOnlyList<string>? offered) =>
        offered is null ? Functions() : [.. Functions().Where(f => offered.Contains(f.Name))];

    /// <summary>The tools as AIFunctions, in the order they are shown to the model.</summary>
    public IReadOnlyList<AIFunction> Functions() =>
    [
        Create(FindUserIdByEmail, "find_user_id_by_email", "Find a user's id from their email address."),
        Create(GetUserDetails, "get_user_details", "Get a user's name, email, address and order ids."),
        Create(GetOrderDetails, "get_order_details", "Get an order's status, items, address and total."),
        Create(GetProductDetails, "get_product_details", "Get a product's name, price and stock."),
        Create(ListProducts, "list_products", "List all products with their ids and prices."),
        Create(CancelPendingOrder, "cancel_pending_order", "Cancel a pending order. The reason must be 'no longer needed' or 'ordered by mistake'."),
        Create(ReturnDeliveredOrder, "return_delivered_order", "Request the return of a delivered order."),
        Create(ModifyPendingOrderAddress, "modify_pending_order_address", "Change the shipping address of a pending order."),
        Create(ModifyUserAddress, "modify_user_address", "Change a user's default address."),
        Create(TransferToHumanAgents, "transfer_to_human_agents", "Transfer the customer to a human agent, with a summary of the issue."),
    ];

    private AIFunction Create(Delegate method, string name, string description) => exampleIds
        ? AIFunctionFactory.Create(method, name, description)
        : AIFunctionFactory.Create(method, new AIFunctionFactoryOptions { Name = name, Description = description, JsonSchemaCreateOptions = NoExamples.JsonSchemaCreateOptions });

    private JsonObject FindUserIdByEmail([Description("The user's email, e.g. ava.smith12@example.com")] string email) =>
        db.Users.Values.FirstOrDefault(u => string.Equals(u.Email, email.Trim(), StringComparison.OrdinalIgnoreCase)) is { } user
            ? new JsonObject { ["user_id"] = user.Id }
            : throw new KeyNotFoundException($"no user has the email '{email}'");

    private JsonObject GetUserDetails([Description("The user id, e.g. U03")] string user_id) => User(user_id).ToJson();

    private JsonObject GetOrderDetails([Description("The order id, e.g. #W1234")] string order_id)
    {
        var order = Order(order_id);
        var json = order.ToJson();
        json["total"] = Math.Round(order.Items.Sum(i => db.Products[i.ProductId].Price * i.Quantity), 2);
        return json;
    }

    private JsonObject GetProductDetails([Description("The product id, e.g. P04")] string product_id) =>
        db.Products.TryGetValue(product_id, out var product) ? product.ToJson() : throw new KeyNotFoundException($"no product has the id '{product_id}'");

    private JsonArray ListProducts() =>
        [.. db.Products.Values.Select(p => (JsonNode?)new JsonObject { ["product_id"] = p.Id, ["name"] = p.Name, ["price"] = p.Price })];

    private JsonObject CancelPendingOrder([Description("The order id, e.g. #W1234")] string order_id,
        [Description("'no longer needed' or 'ordered by mistake'")] string reason)
    {
        var order = Order(order_id);
        if (order.Status != "pending")
        {
            throw new InvalidOperationException($"order {order_id} is {order.Status}; only pending orders can be cancelled");
        }
        if (!CancelReasons.Contains(reason))
        {
            throw new ArgumentException($"the reason must be 'no longer needed' or 'ordered by mistake', not '{reason}'");
        }
        order.Status = "cancelled";
        order.CancelReason = reason;
        foreach (var item in order.Items)
        {
            db.Products[item.ProductId].Stock += item.Quantity;
        }
        return new JsonObject { ["order_id"] = order.Id, ["status"] = order.Status };
    }

    private JsonObject ReturnDeliveredOrder([Description("The order id, e.g. #W1234")] string order_id)
    {
        var order = Order(order_id);
        if (order.Status != "delivered")
        {
            throw new InvalidOperationException($"order {order_id} is {order.Status}; only delivered orders can be returned");
        }
        order.Status = "return requested";
        return new JsonObject { ["order_id"] = order.Id, ["status"] = order.Status };
    }

    private JsonObject ModifyPendingOrderAddress([Description("The order id, e.g. #W1234")] string order_id,
        [Description("The new address, e.g. 12 Oak Street, Springfield")] string address)
    {
        var order = Order(order_id);
        if (order.Status != "pending")
        {
            throw new InvalidOperationException($"order {order_id} is {order.Status}; only pending orders can be changed");
        }
        order.Address = CheckedAddress(address);
        return new JsonObject { ["order_id"] = order.Id, ["address"] = order.Address };
    }

    private JsonObject ModifyUserAddress([Description("The user id, e.g. U03")] string user_id,
        [Description("The new address, e.g. 12 Oak Street, Springfield")] string address)
    {
        var user = User(user_id);
        user.Address = CheckedAddress(address);
        return new JsonObject { ["user_id"] = user.Id, ["address"] = user.Address };
    }

    private static JsonObject TransferToHumanAgents([Description("A short summary of the customer's issue")] string summary) =>
        new() { ["status"] = "transferred", ["summary_chars"] = summary.Length.ToString(CultureInfo.InvariantCulture) };

    private RetailDatabase.User User(string id) =>
        db.Users.TryGetValue(id, out var user) ? user : throw new KeyNotFoundException($"no user has the id '{id}'");

    private RetailDatabase.Order Order(string id) =>
        db.Orders.TryGetValue(id, out var order) ? order : throw new KeyNotFoundException($"no order has the id '{id}'");

    private static string CheckedAddress(string address)
    {
        var trimmed = address.Trim();
        return trimmed.Length is > 3 and < 120 ? trimmed : throw new ArgumentException($"'{address}' is not an address");
    }
}
