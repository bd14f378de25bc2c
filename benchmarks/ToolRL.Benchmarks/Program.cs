namespace ToolRL.Benchmarks;

/// <summary>
/// Plain benchmark harness: <c>dotnet run -c Release --project benchmarks/ToolRL.Benchmarks -- NAME</c>.
/// Each benchmark is an <see cref="IBenchmark"/> found by reflection and compares against its Python or
/// Node reference in the same run where it has one.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var all = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        var chosen = args.Length == 0 ? all : all.Where(b => args.Contains(b.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (chosen.Count == 0)
        {
            Console.Error.WriteLine($"unknown benchmark; available: {string.Join(", ", all.Select(b => b.Name))}");
            return 2;
        }
        foreach (var benchmark in chosen)
        {
            Console.WriteLine($"== {benchmark.Name}");
            benchmark.Run();
        }
        return 0;
    }
}

/// <summary>One named benchmark that prints its figures (and its reference's, with the ratio).</summary>
public interface IBenchmark
{
    /// <summary>The name used on the command line.</summary>
    string Name { get; }

    /// <summary>Runs the benchmark and prints its results.</summary>
    void Run();
}
