using System.Text.Json.Nodes;

namespace ToolRL.Data.Parquet;

/// <summary>
/// Rebuilds rows from column chunks in Dremel form (levels and values as Arrow decodes them) (Melnik et al., "Dremel", VLDB 2010, §4.3). Each leaf's
/// entries are walked down its schema path into a raw tree of groups and lists shared by all leaves of the row;
/// a second pass maps the raw tree to JSON, applying the LIST and MAP annotations (including the legacy
/// two-level list layouts of the parquet-format "LogicalTypes.md" backward-compatibility rules).
/// </summary>
internal sealed class RecordAssembler
{
    private readonly SchemaNode _root;
    private readonly IReadOnlyList<int> _fields;

    /// <param name="root">The schema root.</param>
    /// <param name="fields">Indices of the top-level fields to output.</param>
    public RecordAssembler(SchemaNode root, IReadOnlyList<int> fields)
    {
        _root = root;
        _fields = fields;
    }

    /// <summary>A raw group instance: one slot per child (null = absent/null).</summary>
    private sealed class RawGroup(int size)
    {
        public object?[] Children { get; } = new object?[size];
    }

    public List<JsonObject> Assemble(IReadOnlyList<(SchemaNode Leaf, ColumnData Data)> columns, long rowCount, string file)
    {
        // Check the claimed row count against the decoded data before allocating a row per claim.
        foreach (var (leaf, data) in columns)
        {
            var rowsHeld = data.RowCount();
            if (rowsHeld != rowCount)
            {
                throw new ParquetFormatException($"{file}: column '{leaf.Path}' holds {rowsHeld} rows but its row group claims {rowCount}");
            }
        }
        var rows = new RawGroup[rowCount];
        for (var r = 0; r < rowCount; r++)
        {
            rows[r] = new RawGroup(_root.Children.Count);
        }
        foreach (var (leaf, data) in columns)
        {
            AssembleLeaf(leaf, data, rows, file);
        }
        var result = new List<JsonObject>(rows.Length);
        foreach (var raw in rows)
        {
            var row = new JsonObject();
            foreach (var field in _fields)
            {
                var node = _root.Children[field];
                row[node.Name] = Value(node, raw.Children[field]);
            }
            result.Add(row);
        }
        return result;
    }

    private static void AssembleLeaf(SchemaNode leaf, ColumnData data, RawGroup[] rows, string file)
    {
        var path = leaf.PathFromRoot();
        var listIndex = new int[leaf.RepetitionLevel + 1];
        var row = -1;
        var valueCursor = 0;
        for (var entry = 0; entry < data.Count; entry++)
        {
            int rep = data.Repetition[entry], def = data.Definition[entry];
            if (rep == 0)
            {
                row++;
                if (row >= rows.Length)
                {
                    throw new ParquetFormatException($"{file}: column '{leaf.Path}' holds more rows than its row group's {rows.Length}");
                }
                Array.Clear(listIndex);
            }
            else
            {
                if (row < 0)
                {
                    throw new ParquetFormatException($"{file}: column '{leaf.Path}' starts with repetition level {rep} instead of 0");
                }
                listIndex[rep]++;
                Array.Clear(listIndex, rep + 1, listIndex.Length - rep - 1);
            }
            object? value = null;
            if (def == leaf.DefinitionLevel)
            {
                if (valueCursor >= data.Values.Count)
                {
                    throw new ParquetFormatException($"{file}: column '{leaf.Path}' has fewer values than its definition levels need");
                }
                value = data.Values[valueCursor++];
            }
            Place(path, rows[row], rep, def, value, listIndex);
        }
        if (row + 1 != rows.Length)
        {
            throw new ParquetFormatException($"{file}: column '{leaf.Path}' holds {row + 1} rows but its row group has {rows.Length}");
        }
    }

    private static void Place(List<SchemaNode> path, RawGroup container, int rep, int def, object? value, int[] listIndex)
    {
        foreach (var node in path)
        {
            var slot = node.ChildIndex;
            if (node.IsRepeated)
            {
                var list = container.Children[slot] as List<object?> ?? (List<object?>)(container.Children[slot] = new List<object?>());
                if (def < node.DefinitionLevel)
                {
                    return; // an empty list
                }
                if (node.IsLeaf)
                {
                    list.Add(value);
                    return;
                }
                var index = listIndex[node.RepetitionLevel];
                if (list.Count <= index)
                {
                    list.Add(new RawGroup(node.Children.Count));
                }
                container = (RawGroup)list[index]!;
                continue;
            }
            if (node.IsLeaf)
            {
                container.Children[slot] = value;
                return;
            }
            if (def < node.DefinitionLevel)
            {
                return; // a null group: its slot stays null
            }
            container = container.Children[slot] as RawGroup ?? (RawGroup)(container.Children[slot] = new RawGroup(node.Children.Count));
        }
    }

    private static JsonNode? Value(SchemaNode node, object? raw)
    {
        if (!node.IsRepeated)
        {
            return Item(node, raw);
        }
        var array = new JsonArray();
        if (raw is List<object?> items)
        {
            foreach (var item in items)
            {
                array.Add(Item(node, item));
            }
        }
        return array;
    }

    private static JsonNode? Item(SchemaNode node, object? raw)
    {
        if (node.IsLeaf)
        {
            return Leaf(raw);
        }
        if (raw is not RawGroup group)
        {
            return null;
        }
        var annotatedWrapper = !node.IsRepeated && node.Children.Count == 1 && node.Children[0].IsRepeated;
        if (annotatedWrapper && node.IsListAnnotated)
        {
            return List(node, group);
        }
        if (annotatedWrapper && node.IsMapAnnotated && node.Children[0].Children.Count is 1 or 2)
        {
            return Map(node, group);
        }
        var obj = new JsonObject();
        for (var i = 0; i < node.Children.Count; i++)
        {
            obj[node.Children[i].Name] = Value(node.Children[i], group.Children[i]);
        }
        return obj;
    }

    private static JsonArray List(SchemaNode node, RawGroup group)
    {
        var repeated = node.Children[0];
        var items = group.Children[0] as List<object?> ?? [];
        var array = new JsonArray();
        // Three-level lists wrap each element in a one-field repeated group; the legacy forms make the repeated
        // node itself the element (a primitive, a multi-field group, or a group named "array" or "<list>_tuple").
        var threeLevel = !repeated.IsLeaf && repeated.Children.Count == 1 && repeated.Name != "array" && repeated.Name != node.Name + "_tuple";
        foreach (var item in items)
        {
            array.Add(threeLevel ? Value(repeated.Children[0], (item as RawGroup)?.Children[0]) : Item(repeated, item));
        }
        return array;
    }

    private static JsonNode Map(SchemaNode node, RawGroup group)
    {
        var keyValue = node.Children[0];
        var items = group.Children[0] as List<object?> ?? [];
        var keyNode = keyValue.Children[0];
        var valueNode = keyValue.Children.Count == 2 ? keyValue.Children[1] : null;
        if (keyNode.IsLeaf && keyNode.IsText)
        {
            var obj = new JsonObject();
            foreach (var item in items)
            {
                var entry = (RawGroup)item!;
                obj[(entry.Children[0] as JsonNode)?.GetValue<string>() ?? ""] = valueNode is null ? null : Value(valueNode, entry.Children[1]);
            }
            return obj;
        }
        var pairs = new JsonArray();
        foreach (var item in items)
        {
            var entry = (RawGroup)item!;
            pairs.Add(new JsonObject
            {
                ["key"] = Value(keyNode, entry.Children[0]),
                ["value"] = valueNode is null ? null : Value(valueNode, entry.Children[1]),
            });
        }
        return pairs;
    }

    /// <summary>A leaf value is already JSON (see <see cref="LeafValues"/>); each is placed in exactly one row.</summary>
    private static JsonNode? Leaf(object? raw) => (JsonNode?)raw;
}
