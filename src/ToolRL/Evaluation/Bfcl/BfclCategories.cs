namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL v3's single-turn Python categories and how the checker and the scores treat them. The checker
/// dispatches on the name as BFCL does (substring tests), so a user's own category named, say,
/// <c>my_parallel</c> is checked order-free.
/// </summary>
public static class BfclCategories
{
    /// <summary>The non-live AST categories, averaged unweighted into "non-live AST".</summary>
    public static IReadOnlyList<string> NonLiveAst { get; } = ["simple", "multiple", "parallel", "parallel_multiple"];

    /// <summary>The live AST categories, weighted by entry count into "live AST".</summary>
    public static IReadOnlyList<string> LiveAst { get; } = ["live_simple", "live_multiple", "live_parallel", "live_parallel_multiple"];

    /// <summary>Every category this evaluation knows, in BFCL's order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [.. NonLiveAst, "irrelevance", .. LiveAst, "live_irrelevance", "live_relevance"];

    /// <summary>True for categories scored by "no call expected" (or, for relevance, "some call expected").</summary>
    public static bool IsRelevanceOrIrrelevance(string category) => category.Contains("relevance", StringComparison.Ordinal);

    /// <summary>True for irrelevance categories: the answer must hold no call.</summary>
    public static bool IsIrrelevance(string category) => category.Contains("irrelevance", StringComparison.Ordinal);

    /// <summary>True for the order-free parallel checker.</summary>
    public static bool IsParallel(string category) => category.Contains("parallel", StringComparison.Ordinal);

    /// <summary>True for the one-call-of-several-functions checker (when not parallel).</summary>
    public static bool IsMultiple(string category) => category.Contains("multiple", StringComparison.Ordinal);

    /// <summary>True for the live (user-contributed) categories.</summary>
    public static bool IsLive(string category) => category.StartsWith("live_", StringComparison.Ordinal);

    /// <summary>The question file name of a category (<c>BFCL_v3_simple.json</c>); possible answers sit under <c>possible_answer/</c> with the same name.</summary>
    public static string FileName(string category) => $"BFCL_v3_{category}.json";
}
