namespace ToolRL.Tests.Packaging;

/// <summary>The tests that consume the packed packages share one pack (<see cref="PackedSample"/>): packing is the slow part.</summary>
[CollectionDefinition(Name)]
public sealed class PackedCollection : ICollectionFixture<PackedSample>
{
    public const string Name = "packed packages";
}
