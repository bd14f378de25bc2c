using System.Text.Json.Nodes;
using ToolRL.Agents.Retail;

namespace ToolRL.Agents;

/// <summary>
/// Environment factories by name, so a config's <c>"environment": {"name": …, "options": {…}}</c> can choose one.
/// <see cref="Default"/> knows <c>"retail"</c> (<see cref="RetailEnvironmentFactory"/>); register your own at
/// start-up. Names are unique: registering a taken name throws, and an unknown name lists the known ones.
/// </summary>
public sealed class EnvironmentRegistry
{
    private readonly Dictionary<string, Func<JsonObject?, IAgentEnvironmentFactory>> _factories = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The process-wide registry, with the built-in <c>"retail"</c>.</summary>
    public static EnvironmentRegistry Default { get; } = CreateWithBuiltIns();

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                return [.. _factories.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>A new registry holding only the built-in <c>"retail"</c> demo domain.</summary>
    public static EnvironmentRegistry CreateWithBuiltIns()
    {
        var registry = new EnvironmentRegistry();
        registry.Register(RetailEnvironmentFactory.RegistryName, options => new RetailEnvironmentFactory(RetailOptions.FromJson(options)));
        return registry;
    }

    /// <summary>Registers <paramref name="factory"/>, which builds the environment factory from its config <c>options</c> (null when absent).</summary>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public void Register(string name, Func<JsonObject?, IAgentEnvironmentFactory> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        lock (_lock)
        {
            if (!_factories.TryAdd(name, factory))
            {
                throw new ArgumentException($"an environment named '{name}' is already registered; choose another name.", nameof(name));
            }
        }
    }

    /// <summary>Builds the environment factory registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No environment has that name (the message lists the known ones).</exception>
    public IAgentEnvironmentFactory Create(string name, JsonObject? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Func<JsonObject?, IAgentEnvironmentFactory>? factory;
        lock (_lock)
        {
            _factories.TryGetValue(name, out factory);
        }
        return factory is null
            ? throw new ArgumentException($"unknown environment '{name}'; known: {string.Join(", ", Names)}. Register it with EnvironmentRegistry.Register before training.", nameof(name))
            : factory(options);
    }
}
