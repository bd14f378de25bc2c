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
    private readonly NamedRegistry<Func<JsonObject?, IAgentEnvironmentFactory>> _factories = new("environment", "EnvironmentRegistry.Register");

    /// <summary>The process-wide registry, with the built-in <c>"retail"</c>.</summary>
    public static EnvironmentRegistry Default { get; } = CreateWithBuiltIns();

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => _factories.Names;

    /// <summary>A new registry holding only the built-in <c>"retail"</c> demo domain.</summary>
    public static EnvironmentRegistry CreateWithBuiltIns()
    {
        var registry = new EnvironmentRegistry();
        registry.Register(RetailEnvironmentFactory.RegistryName, options => new RetailEnvironmentFactory(RetailOptions.FromJson(options)));
        return registry;
    }

    /// <summary>Registers <paramref name="factory"/>, which builds the environment factory from its config <c>options</c> (null when absent).</summary>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public void Register(string name, Func<JsonObject?, IAgentEnvironmentFactory> factory) => _factories.Register(name, factory);

    /// <summary>Builds the environment factory registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No environment has that name (the message lists the known ones).</exception>
    public IAgentEnvironmentFactory Create(string name, JsonObject? options = null) => _factories.Get(name)(options);
}
