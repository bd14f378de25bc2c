using ParquetSharp;
using ParquetSharp.Schema;

namespace ToolRL.Data.Parquet;

/// <summary>
/// One node of the file's schema tree (copied out of Apache Arrow's parsed schema, so no native handle is kept),
/// with the Dremel levels of its path: <see cref="DefinitionLevel"/> counts the optional and repeated nodes from
/// the root down to it, <see cref="RepetitionLevel"/> the repeated ones.
/// </summary>
internal sealed class SchemaNode
{
    public required string Name { get; init; }
    public SchemaNode? Parent { get; init; }
    public List<SchemaNode> Children { get; } = [];
    public required Repetition Repetition { get; init; }

    /// <summary>The physical type of a leaf; null for groups.</summary>
    public PhysicalType? PhysicalType { get; init; }

    /// <summary>The logical type's kind and parameters, copied out of Arrow's (which maps legacy converted types onto them).</summary>
    public required LogicalAnnotation Logical { get; init; }

    /// <summary>Bytes per value of a FIXED_LEN_BYTE_ARRAY leaf.</summary>
    public int TypeLength { get; init; }
    public int DefinitionLevel { get; init; }
    public int RepetitionLevel { get; init; }
    public int ChildIndex { get; init; }

    /// <summary>For leaves: the position among the file's leaf columns (the column-chunk order).</summary>
    public int LeafIndex { get; set; } = -1;

    public bool IsLeaf => PhysicalType is not null;
    public bool IsRepeated => Repetition == Repetition.Repeated;

    /// <summary>Annotated LIST (logical type or the legacy converted type).</summary>
    public bool IsListAnnotated => Logical.Kind == LogicalKind.List;

    /// <summary>Annotated MAP (logical type or the legacy MAP / MAP_KEY_VALUE converted types).</summary>
    public bool IsMapAnnotated => Logical.Kind == LogicalKind.Map;

    /// <summary>A leaf holding text (STRING/ENUM/JSON, or the legacy UTF8/ENUM/JSON converted types).</summary>
    public bool IsText => Logical.Kind is LogicalKind.Text;

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

    /// <summary>The physical type as the parquet format spells it (e.g. <c>BYTE_ARRAY</c>).</summary>
    public string PhysicalTypeName => PhysicalType switch
    {
        ParquetSharp.PhysicalType.Boolean => "BOOLEAN",
        ParquetSharp.PhysicalType.Int32 => "INT32",
        ParquetSharp.PhysicalType.Int64 => "INT64",
        ParquetSharp.PhysicalType.Int96 => "INT96",
        ParquetSharp.PhysicalType.Float => "FLOAT",
        ParquetSharp.PhysicalType.Double => "DOUBLE",
        ParquetSharp.PhysicalType.ByteArray => "BYTE_ARRAY",
        ParquetSharp.PhysicalType.FixedLenByteArray => "FIXED_LEN_BYTE_ARRAY",
        _ => "GROUP",
    };
}

/// <summary>Builds the <see cref="SchemaNode"/> tree from the schema Arrow parsed, and checks it is well formed.</summary>
internal static class SchemaTree
{
    private const int MaxDepth = 100;

    public static (SchemaNode Root, List<SchemaNode> Leaves) Build(GroupNode root, int columnCount, string file)
    {
        var leaves = new List<SchemaNode>();
        var tree = BuildNode(root, parent: null, childIndex: 0, depth: 0, leaves, file);
        if (tree.Children.Count == 0)
        {
            throw new ParquetFormatException($"{file}: the schema root has no fields");
        }
        if (leaves.Count != columnCount)
        {
            throw new ParquetFormatException($"{file}: the schema tree has {leaves.Count} leaves but the file declares {columnCount} columns");
        }
        return (tree, leaves);
    }

    private static SchemaNode BuildNode(Node source, SchemaNode? parent, int childIndex, int depth, List<SchemaNode> leaves, string file)
    {
        if (depth > MaxDepth)
        {
            throw new ParquetFormatException($"{file}: the schema nests deeper than {MaxDepth} levels");
        }
        var isRoot = parent is null;
        var repetition = isRoot ? Repetition.Required : source.Repetition;
        var primitive = source as PrimitiveNode;
        var node = new SchemaNode
        {
            Name = source.Name,
            Parent = parent,
            ChildIndex = childIndex,
            Repetition = repetition,
            PhysicalType = primitive?.PhysicalType,
            Logical = LogicalAnnotation.Of(source),
            TypeLength = primitive?.TypeLength ?? 0,
            DefinitionLevel = (parent?.DefinitionLevel ?? 0) + (repetition != Repetition.Required ? 1 : 0),
            RepetitionLevel = (parent?.RepetitionLevel ?? 0) + (repetition == Repetition.Repeated ? 1 : 0),
        };
        if (primitive is not null)
        {
            if (isRoot)
            {
                throw new ParquetFormatException($"{file}: the schema root is a column, not a group");
            }
            node.LeafIndex = leaves.Count;
            leaves.Add(node);
            return node;
        }
        var fields = ((GroupNode)source).Fields;
        try
        {
            if (fields.Length == 0 && !isRoot)
            {
                throw new ParquetFormatException($"{file}: schema group '{source.Name}' has no fields");
            }
            for (var i = 0; i < fields.Length; i++)
            {
                node.Children.Add(BuildNode(fields[i], node, i, depth + 1, leaves, file));
            }
        }
        finally
        {
            foreach (var field in fields)
            {
                field.Dispose();
            }
        }
        return node;
    }
}
