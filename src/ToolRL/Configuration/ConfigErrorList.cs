namespace ToolRL.Configuration;

/// <summary>Collects every problem while a configuration is read, so a user sees all of them in one run.</summary>
internal sealed class ConfigErrorList
{
    private readonly List<ConfigError> _errors = [];

    public int Count => _errors.Count;

    public void Add(string path, string? value, string problem, string fix) => _errors.Add(new ConfigError(path, value, problem, fix));

    /// <summary>Throws <see cref="ConfigurationException"/> when anything was recorded.</summary>
    public void ThrowIfAny(string source)
    {
        if (_errors.Count > 0)
        {
            throw new ConfigurationException(source, _errors.ToArray());
        }
    }
}
