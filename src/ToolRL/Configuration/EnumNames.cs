namespace ToolRL.Configuration;

/// <summary>
/// The JSON spelling of each configuration enum value (verl's names, e.g. <c>token-mean</c>, <c>low_var_kl</c>),
/// in both directions. Aliases parse but the first name is the one written back.
/// </summary>
internal sealed class EnumNames<T> where T : struct, Enum
{
    private readonly Dictionary<string, T> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<T, string> _canonical = [];

    public EnumNames(params (T Value, string[] Names)[] table)
    {
        foreach (var (value, names) in table)
        {
            _canonical[value] = names[0];
            foreach (var name in names)
            {
                _byName[name] = value;
            }
        }
    }

    /// <summary>The canonical names, for error messages and docs.</summary>
    public IEnumerable<string> CanonicalNames => _canonical.Values;

    public bool TryParse(string name, out T value) => _byName.TryGetValue(name, out value);

    public string Name(T value) => _canonical[value];
}
