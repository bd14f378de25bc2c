using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Tokenization;

namespace ToolRL.Agents.Retail;

/// <summary>
/// The retail shop's state: users, products, orders. Generated from a seed (the same seed gives the same shop),
/// changed only through the tools, and compared by <see cref="Hash"/> (tau2's DB check: sha256 of the canonical
/// JSON of the whole state).
/// </summary>
internal sealed class RetailDatabase
{
    private static readonly string[] FirstNames = ["Ava", "Ben", "Chloe", "Dan", "Emma", "Finn", "Grace", "Hugo", "Iris", "Jack", "Kate", "Liam"];
    private static readonly string[] LastNames = ["Smith", "Jones", "Brown", "Lee", "Garcia", "Khan", "Silva", "Novak"];
    private static readonly string[] Streets = ["Oak Street", "Pine Road", "Maple Avenue", "Cedar Lane", "Elm Drive", "Birch Way"];
    private static readonly string[] Cities = ["Springfield", "Riverton", "Lakeside", "Hillview"];
    private static readonly (string Name, double Price)[] Catalogue =
    [
        ("desk lamp", 24.5), ("water bottle", 12.0), ("backpack", 59.9), ("headphones", 89.0), ("yoga mat", 30.0),
        ("coffee mug", 8.5), ("phone case", 15.0), ("notebook", 4.25), ("umbrella", 19.99), ("running shoes", 110.0),
    ];

    public SortedDictionary<string, User> Users { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, Product> Products { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, Order> Orders { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A shop of <paramref name="users"/> users with 1–3 orders each, from <paramref name="seed"/>; order ids are "#W"
    /// and <paramref name="orderIdDigits"/> digits (4, as tau2's, by default; fewer make the ids easier to copy).
    /// </summary>
    public static RetailDatabase Generate(long seed, int users = 8, int orderIdDigits = 4)
    {
        var random = new SeededRandom(seed, stream: 17);
        var db = new RetailDatabase();
        for (var p = 0; p < Catalogue.Length; p++)
        {
            var id = $"P{p + 1:00}";
            db.Products[id] = new Product(id, Catalogue[p].Name, Catalogue[p].Price, 5 + random.Next(20));
        }
        var orderNumber = 1000 + random.Next(8000);
        var usedEmails = new HashSet<string>(StringComparer.Ordinal);
        for (var u = 0; u < users; u++)
        {
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var email = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{random.Next(90) + 10}@example.com";
            if (!usedEmails.Add(email))
            {
                email = $"{first.ToLowerInvariant()}{u}.{last.ToLowerInvariant()}@example.com";
                usedEmails.Add(email);
            }
            var id = $"U{u + 1:00}";
            var address = RandomAddress(random);
            var user = new User(id, $"{first} {last}", email, address);
            db.Users[id] = user;
            var orders = 1 + random.Next(3);
            for (var o = 0; o < orders; o++)
            {
                orderNumber += 1 + random.Next(37);
                var orderId = OrderId(orderNumber, orderIdDigits, db.Orders);
                var items = new List<OrderItem>();
                var lines = 1 + random.Next(2);
                for (var l = 0; l < lines; l++)
                {
                    var product = $"P{random.Next(Catalogue.Length) + 1:00}";
                    if (items.All(i => i.ProductId != product))
                    {
                        items.Add(new OrderItem(product, 1 + random.Next(3)));
                    }
                }
                var status = random.Next(2) == 0 ? "pending" : "delivered";
                db.Orders[orderId] = new Order(orderId, id, items, status, address);
                user.OrderIds.Add(orderId);
            }
        }
        return db;
    }

    /// <summary>
    /// "#W" and the number, or for another digit count the number folded into that many digits (the next free one when
    /// the fold collides), so 4 digits keep the shops as they were.
    /// </summary>
    private static string OrderId(int number, int digits, SortedDictionary<string, Order> taken)
    {
        if (digits == 4)
        {
            return $"#W{number}";
        }
        var low = (int)Math.Pow(10, digits - 1);
        var span = 9 * low;
        for (var i = 0; ; i++)
        {
            var id = $"#W{low + (number + i) % span}";
            if (!taken.ContainsKey(id))
            {
                return id;
            }
        }
    }

    /// <summary>A street address "12 Oak Street, Springfield".</summary>
    public static string RandomAddress(SeededRandom random) =>
        $"{1 + random.Next(98)} {Streets[random.Next(Streets.Length)]}, {Cities[random.Next(Cities.Length)]}";

    /// <summary>The whole state as JSON with sorted keys (the canonical form that is hashed).</summary>
    public JsonObject ToJson() => new()
    {
        ["orders"] = new JsonObject(Orders.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value.ToJson()))),
        ["products"] = new JsonObject(Products.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.ToJson()))),
        ["users"] = new JsonObject(Users.Select(u => KeyValuePair.Create(u.Key, (JsonNode?)u.Value.ToJson()))),
    };

    /// <summary>sha256 of the canonical JSON, hex.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(PythonJson.Dumps(ToJson()))));

    public sealed class User(string id, string name, string email, string address)
    {
        public string Id { get; } = id;
        public string Name { get; } = name;
        public string Email { get; } = email;
        public string Address { get; set; } = address;
        public List<string> OrderIds { get; } = [];

        public JsonObject ToJson() => new()
        {
            ["address"] = Address,
            ["email"] = Email,
            ["name"] = Name,
            ["order_ids"] = new JsonArray([.. OrderIds.Select(o => (JsonNode?)o)]),
            ["user_id"] = Id,
        };
    }

    public sealed class Product(string id, string name, double price, int stock)
    {
        public string Id { get; } = id;
        public string Name { get; } = name;
        public double Price { get; } = price;
        public int Stock { get; set; } = stock;

        public JsonObject ToJson() => new() { ["name"] = Name, ["price"] = Price, ["product_id"] = Id, ["stock"] = Stock };
    }

    public sealed record OrderItem(string ProductId, int Quantity);

    public sealed class Order(string id, string userId, List<OrderItem> items, string status, string address)
    {
        public string Id { get; } = id;
        public string UserId { get; } = userId;
        public List<OrderItem> Items { get; } = items;
        public string Status { get; set; } = status;
        public string Address { get; set; } = address;
        public string? CancelReason { get; set; }

        public JsonObject ToJson()
        {
            var json = new JsonObject
            {
                ["address"] = Address,
                ["items"] = new JsonArray([.. Items.Select(i => (JsonNode?)new JsonObject { ["product_id"] = i.ProductId, ["quantity"] = i.Quantity })]),
                ["order_id"] = Id,
                ["status"] = Status,
                ["user_id"] = UserId,
            };
            if (CancelReason is not null)
            {
                json["cancel_reason"] = CancelReason;
            }
            return json;
        }
    }
}
