using Parquet.Meta;

namespace ToolRL.Data.Parquet;

/// <summary>
/// One node of the schema tree rebuilt from the footer's flattened, depth-first schema (as Parquet.Net parsed
/// it), with the Dremel levels of its path: <see cref="DefinitionLevel"/> counts the optional and repeated
/// nodes from the root down to it, <see cref="RepetitionLevel"/> the repeated ones.
/// </summary>
internal sealed class SchemaNode
{
    public required SchemaElement Element { get; init; }
    public SchemaNode? Parent { get; init; }
    public List<SchemaNode> Children { get; } = [];
    public int DefinitionLevel { get; init; }
    public int RepetitionLevel { get; init; }
    public int ChildIndex { get; init; }

    /// <summary>For leaves: the position among the file's leaf columns (the column-chunk order).</summary>
    public int LeafIndex { get; set; } = -1;

    public string Name => Element.Name;
    public bool IsLeaf => (Element.NumChildren ?? 0) == 0 && Element.Type is not null;
    public bool IsRepeated => Element.RepetitionType == FieldRepetitionType.REPEATED;

    /// <summary>Annotated LIST (logical type or the legacy converted type).</summary>
    public bool IsListAnnotated => Element.LogicalType?.LIST is not null || Element.ConvertedType == ConvertedType.LIST;

    /// <summary>Annotated MAP (logical type or the legacy MAP / MAP_KEY_VALUE converted types).</summary>
    public bool IsMapAnnotated => Element.LogicalType?.MAP is not null || Element.ConvertedType is ConvertedType.MAP or ConvertedType.MAP_KEY_VALUE;

    /// <summary>A leaf holding text (STRING/ENUM/JSON, or the legacy UTF8/ENUM/JSON converted types).</summary>
    public bool IsText => Element.LogicalType is { STRING: not null } or { ENUM: not null } or { JSON: not null }
        || Element.ConvertedType is ConvertedType.UTF8 or ConvertedType.ENUM or ConvertedType.JSON;

    /// <summary>The dotted path from the root's children, e.g. <c>prompt.list.element.content</c>.</summary>
    public string Path => Parent is null || Parent.Parent is null ? Name : Parent.Path + "." + Name;

    /// <summary>Nodes from the first field under the root down to this one.</summary>
    public List<SchemaNode> PathFromRoot()
    {
        var nodes = new List<SchemaNode>();
        for (var node = this; node.Parent is not null; node = node.Parent)
        {
            nodes.Add(node);
        }
        nodes.Reverse();
        return nodes;
    }
}

/// <summary>Builds the <see cref="SchemaNode"/> tree and checks it is well formed.</summary>
internal static class SchemaTree
{
    private const int MaxDepth = 100;

    public static (SchemaNode Root, List<SchemaNode> Leaves) Build(IReadOnlyList<SchemaElement> elements, string file)
    {
        if (elements.Count == 0)
        {
            throw new ParquetFormatException($"{file}: the footer has an empty schema");
        }
        var position = 0;
        var leaves = new List<SchemaNode>();
        var root = BuildNode(elements, ref position, parent: null, childIndex: 0, depth: 0, leaves, file);
        if (position != elements.Count)
        {
            throw new ParquetFormatException($"{file}: the schema has {elements.Count - position} elements outside the root's tree");
        }
        if (root.Children.Count == 0)
        {
            throw new ParquetFormatException($"{file}: the schema root has no fields");
        }
        return (root, leaves);
    }

    private static SchemaNode BuildNode(IReadOnlyList<SchemaElement> elements, ref int position, SchemaNode? parent, int childIndex, int depth, List<SchemaNode> leaves, string file)
    {
        if (depth > MaxDepth)
        {
            throw new ParquetFormatException($"{file}: the schema nests deeper than {MaxDepth} levels");
        }
        var element = elements[position++];
        var isRoot = parent is null;
        var repetition = element.RepetitionType ?? FieldRepetitionType.REQUIRED;
        var node = new SchemaNode
        {
            Element = element,
            Parent = parent,
            ChildIndex = childIndex,
            DefinitionLevel = (parent?.DefinitionLevel ?? 0) + (!isRoot && repetition != FieldRepetitionType.REQUIRED ? 1 : 0),
            RepetitionLevel = (parent?.RepetitionLevel ?? 0) + (!isRoot && repetition == FieldRepetitionType.REPEATED ? 1 : 0),
        };
        var children = element.NumChildren ?? 0;
        if (children < 0 || children > elements.Count - position)
        {
            throw new ParquetFormatException($"{file}: schema element '{element.Name}' claims {children} children but only {elements.Count - position} elements follow");
        }
        if (children == 0)
        {
            if (isRoot || element.Type is null)
            {
                throw new ParquetFormatException($"{file}: schema element '{element.Name}' has neither children nor a physical type");
            }
            node.LeafIndex = leaves.Count;
            leaves.Add(node);
            return node;
        }
        for (var i = 0; i < children; i++)
        {
            node.Children.Add(BuildNode(elements, ref position, node, i, depth + 1, leaves, file));
        }
        return node;
    }
}
