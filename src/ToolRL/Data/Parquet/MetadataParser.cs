namespace ToolRL.Data.Parquet;

/// <summary>Decodes parquet.thrift structures (field ids from the Apache Parquet format specification).</summary>
internal static class MetadataParser
{
    public static FileMeta ParseFileMeta(ThriftCompactReader reader)
    {
        var meta = new FileMeta();
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 2 when type == ThriftType.List:
                    ReadList(reader, () => meta.Schema.Add(ParseSchemaElement(reader)));
                    break;
                case 3:
                    meta.NumRows = reader.ReadI64();
                    break;
                case 4 when type == ThriftType.List:
                    ReadList(reader, () => meta.RowGroups.Add(ParseRowGroup(reader)));
                    break;
                case 6 when type == ThriftType.Binary:
                    meta.CreatedBy = reader.ReadString();
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        });
        return meta;
    }

    public static PageHeader ParsePageHeader(ThriftCompactReader reader)
    {
        var header = new PageHeader();
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1: header.Type = (PageType)reader.ReadI32(); break;
                case 2: header.UncompressedSize = reader.ReadI32(); break;
                case 3: header.CompressedSize = reader.ReadI32(); break;
                case 5 when type == ThriftType.Struct: ParseDataPageHeader(reader, header); break;
                case 7 when type == ThriftType.Struct: ParseDictionaryPageHeader(reader, header); break;
                case 8 when type == ThriftType.Struct: ParseDataPageHeaderV2(reader, header); break;
                default: reader.Skip(type); break;
            }
        });
        return header;
    }

    private static void ParseDataPageHeader(ThriftCompactReader reader, PageHeader header)
    {
        header.HasTypeHeader = true;
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1: header.NumValues = reader.ReadI32(); break;
                case 2: header.Encoding = (Encoding)reader.ReadI32(); break;
                case 3: header.DefinitionLevelEncoding = (Encoding)reader.ReadI32(); break;
                case 4: header.RepetitionLevelEncoding = (Encoding)reader.ReadI32(); break;
                default: reader.Skip(type); break;
            }
        });
    }

    private static void ParseDictionaryPageHeader(ThriftCompactReader reader, PageHeader header)
    {
        header.HasTypeHeader = true;
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1: header.NumValues = reader.ReadI32(); break;
                case 2: header.Encoding = (Encoding)reader.ReadI32(); break;
                default: reader.Skip(type); break;
            }
        });
    }

    private static void ParseDataPageHeaderV2(ThriftCompactReader reader, PageHeader header)
    {
        header.HasTypeHeader = true;
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1: header.NumValues = reader.ReadI32(); break;
                case 4: header.Encoding = (Encoding)reader.ReadI32(); break;
                case 5: header.DefinitionLevelsByteLength = reader.ReadI32(); break;
                case 6: header.RepetitionLevelsByteLength = reader.ReadI32(); break;
                case 7: header.IsCompressed = reader.ReadBool(type); break;
                default: reader.Skip(type); break;
            }
        });
    }

    private static SchemaElement ParseSchemaElement(ThriftCompactReader reader)
    {
        var element = new SchemaElement();
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1: element.Type = (PhysicalType)reader.ReadI32(); break;
                case 2: element.TypeLength = reader.ReadI32(); break;
                case 3: element.Repetition = (Repetition)reader.ReadI32(); break;
                case 4: element.Name = reader.ReadString(); break;
                case 5: element.NumChildren = reader.ReadI32(); break;
                case 6: element.Converted = (ConvertedType)reader.ReadI32(); break;
                case 7: element.Scale = reader.ReadI32(); break;
                case 8: element.Precision = reader.ReadI32(); break;
                case 10 when type == ThriftType.Struct: ParseLogicalType(reader, element); break;
                default: reader.Skip(type); break;
            }
        });
        if (element.Logical == LogicalKind.None)
        {
            ApplyConvertedType(element);
        }
        return element;
    }

    /// <summary>The <c>LogicalType</c> union: the field id says which annotation it is.</summary>
    private static void ParseLogicalType(ThriftCompactReader reader, SchemaElement element)
    {
        reader.ReadStruct((id, type) =>
        {
            element.Logical = id switch
            {
                1 => LogicalKind.String,
                2 => LogicalKind.Map,
                3 => LogicalKind.List,
                4 => LogicalKind.Enum,
                5 => LogicalKind.Decimal,
                6 => LogicalKind.Date,
                7 => LogicalKind.Time,
                8 => LogicalKind.Timestamp,
                10 => LogicalKind.Integer,
                12 => LogicalKind.Json,
                13 => LogicalKind.Bson,
                14 => LogicalKind.Uuid,
                15 => LogicalKind.Float16,
                _ => LogicalKind.None,
            };
            if (type != ThriftType.Struct)
            {
                reader.Skip(type);
                return;
            }
            reader.ReadStruct((innerId, innerType) =>
            {
                switch (element.Logical, innerId)
                {
                    case (LogicalKind.Decimal, 1): element.Scale = reader.ReadI32(); break;
                    case (LogicalKind.Decimal, 2): element.Precision = reader.ReadI32(); break;
                    case (LogicalKind.Time or LogicalKind.Timestamp, 2) when innerType == ThriftType.Struct:
                        reader.ReadStruct((unitId, unitType) =>
                        {
                            element.Unit = unitId switch { 1 => TimeUnit.Millis, 2 => TimeUnit.Micros, _ => TimeUnit.Nanos };
                            reader.Skip(unitType);
                        });
                        break;
                    case (LogicalKind.Time or LogicalKind.Timestamp, 1): element.AdjustedToUtc = reader.ReadBool(innerType); break;
                    case (LogicalKind.Integer, 1): element.IntegerBits = reader.ReadByte(); break;
                    case (LogicalKind.Integer, 2): element.IntegerSigned = reader.ReadBool(innerType); break;
                    default: reader.Skip(innerType); break;
                }
            });
        });
    }

    private static void ApplyConvertedType(SchemaElement element)
    {
        (element.Logical, element.Unit, element.IntegerBits, element.IntegerSigned) = element.Converted switch
        {
            ConvertedType.Utf8 => (LogicalKind.String, element.Unit, 0, true),
            ConvertedType.Map or ConvertedType.MapKeyValue => (LogicalKind.Map, element.Unit, 0, true),
            ConvertedType.List => (LogicalKind.List, element.Unit, 0, true),
            ConvertedType.Enum => (LogicalKind.Enum, element.Unit, 0, true),
            ConvertedType.Decimal => (LogicalKind.Decimal, element.Unit, 0, true),
            ConvertedType.Date => (LogicalKind.Date, element.Unit, 0, true),
            ConvertedType.TimeMillis => (LogicalKind.Time, TimeUnit.Millis, 0, true),
            ConvertedType.TimeMicros => (LogicalKind.Time, TimeUnit.Micros, 0, true),
            ConvertedType.TimestampMillis => (LogicalKind.Timestamp, TimeUnit.Millis, 0, true),
            ConvertedType.TimestampMicros => (LogicalKind.Timestamp, TimeUnit.Micros, 0, true),
            ConvertedType.Uint8 => (LogicalKind.Integer, element.Unit, 8, false),
            ConvertedType.Uint16 => (LogicalKind.Integer, element.Unit, 16, false),
            ConvertedType.Uint32 => (LogicalKind.Integer, element.Unit, 32, false),
            ConvertedType.Uint64 => (LogicalKind.Integer, element.Unit, 64, false),
            ConvertedType.Int8 => (LogicalKind.Integer, element.Unit, 8, true),
            ConvertedType.Int16 => (LogicalKind.Integer, element.Unit, 16, true),
            ConvertedType.Int32 => (LogicalKind.Integer, element.Unit, 32, true),
            ConvertedType.Int64 => (LogicalKind.Integer, element.Unit, 64, true),
            ConvertedType.Json => (LogicalKind.Json, element.Unit, 0, true),
            ConvertedType.Bson => (LogicalKind.Bson, element.Unit, 0, true),
            _ => (LogicalKind.None, element.Unit, 0, true),
        };
    }

    private static RowGroupMeta ParseRowGroup(ThriftCompactReader reader)
    {
        var group = new RowGroupMeta();
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1 when type == ThriftType.List:
                    ReadList(reader, () => group.Columns.Add(ParseColumnChunk(reader)));
                    break;
                case 3:
                    group.NumRows = reader.ReadI64();
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        });
        return group;
    }

    private static ColumnChunkMeta ParseColumnChunk(ThriftCompactReader reader)
    {
        var chunk = new ColumnChunkMeta();
        var hasMeta = false;
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1 when type == ThriftType.Binary:
                    chunk.FilePath = reader.ReadString();
                    break;
                case 3 when type == ThriftType.Struct:
                    hasMeta = true;
                    ParseColumnMeta(reader, chunk);
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        });
        if (!hasMeta)
        {
            throw new ParquetFormatException("a column chunk has no ColumnMetaData (encrypted or corrupt footer)");
        }
        return chunk;
    }

    private static void ParseColumnMeta(ThriftCompactReader reader, ColumnChunkMeta chunk)
    {
        reader.ReadStruct((id, type) =>
        {
            switch (id)
            {
                case 1: chunk.Type = (PhysicalType)reader.ReadI32(); break;
                case 3 when type == ThriftType.List:
                    var path = new List<string>();
                    ReadList(reader, () => path.Add(reader.ReadString()));
                    chunk.Path = path;
                    break;
                case 4: chunk.Codec = (CompressionCodec)reader.ReadI32(); break;
                case 5: chunk.NumValues = reader.ReadI64(); break;
                case 7: chunk.TotalCompressedSize = reader.ReadI64(); break;
                case 9: chunk.DataPageOffset = reader.ReadI64(); break;
                case 11: chunk.DictionaryPageOffset = reader.ReadI64(); break;
                default: reader.Skip(type); break;
            }
        });
    }

    private static void ReadList(ThriftCompactReader reader, Action readElement)
    {
        var (_, count) = reader.ReadListHeader();
        for (var i = 0; i < count; i++)
        {
            readElement();
        }
    }
}
