using Google.Protobuf;

namespace ToolRL.Training.Metrics.TensorBoard;

/// <summary>
/// TensorFlow <c>Event</c> records (tensorflow/core/util/event.proto, summary.proto, tensor.proto) written field by
/// field with Google.Protobuf's <see cref="CodedOutputStream"/>, for the three kinds TensorBoard needs here: the
/// file-version header, scalars (<c>Summary.Value.simple_value</c>, as PyTorch's SummaryWriter writes them) and
/// text (a scalar <c>DT_STRING</c> tensor tagged for the "text" plugin, as tensorboard's text summary writes it).
/// </summary>
internal static class EventEncoder
{
    // Event
    private const int EventWallTime = 1;      // double
    private const int EventStep = 2;          // int64
    private const int EventFileVersion = 3;   // string
    private const int EventSummary = 5;       // Summary
    // Summary
    private const int SummaryValue = 1;       // repeated Summary.Value
    // Summary.Value
    private const int ValueTag = 1;           // string
    private const int ValueSimpleValue = 2;   // float
    private const int ValueTensor = 8;        // TensorProto
    private const int ValueMetadata = 9;      // SummaryMetadata
    // SummaryMetadata / PluginData
    private const int MetadataPluginData = 1; // PluginData
    private const int PluginName = 1;         // string
    // TensorProto
    private const int TensorDType = 1;        // DataType enum
    private const int TensorShape = 2;        // TensorShapeProto (empty: a scalar)
    private const int TensorStringVal = 8;    // repeated bytes
    private const int DataTypeString = 7;     // DT_STRING

    /// <summary>The first record of every event file: <c>file_version: "brain.Event:2"</c>.</summary>
    public static byte[] FileVersion(double wallTime) => Message(o =>
    {
        o.WriteTag(EventWallTime, WireFormat.WireType.Fixed64);
        o.WriteDouble(wallTime);
        o.WriteTag(EventFileVersion, WireFormat.WireType.LengthDelimited);
        o.WriteString("brain.Event:2");
    });

    /// <summary>One scalar at <paramref name="step"/>.</summary>
    public static byte[] Scalar(double wallTime, long step, string tag, float value) => SummaryEvent(wallTime, step, Message(v =>
    {
        v.WriteTag(ValueTag, WireFormat.WireType.LengthDelimited);
        v.WriteString(tag);
        v.WriteTag(ValueSimpleValue, WireFormat.WireType.Fixed32);
        v.WriteFloat(value);
    }));

    /// <summary>One text (markdown to TensorBoard) at <paramref name="step"/>.</summary>
    public static byte[] Text(double wallTime, long step, string tag, string text) => SummaryEvent(wallTime, step, Message(v =>
    {
        v.WriteTag(ValueTag, WireFormat.WireType.LengthDelimited);
        v.WriteString(tag);
        WriteMessage(v, ValueTensor, t =>
        {
            t.WriteTag(TensorDType, WireFormat.WireType.Varint);
            t.WriteEnum(DataTypeString);
            WriteMessage(t, TensorShape, _ => { });
            t.WriteTag(TensorStringVal, WireFormat.WireType.LengthDelimited);
            t.WriteBytes(ByteString.CopyFromUtf8(text));
        });
        WriteMessage(v, ValueMetadata, m => WriteMessage(m, MetadataPluginData, p =>
        {
            p.WriteTag(PluginName, WireFormat.WireType.LengthDelimited);
            p.WriteString("text");
        }));
    }));

    private static byte[] SummaryEvent(double wallTime, long step, byte[] value) => Message(o =>
    {
        o.WriteTag(EventWallTime, WireFormat.WireType.Fixed64);
        o.WriteDouble(wallTime);
        o.WriteTag(EventStep, WireFormat.WireType.Varint);
        o.WriteInt64(step);
        WriteMessage(o, EventSummary, s =>
        {
            s.WriteTag(SummaryValue, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(value));
        });
    });

    // A nested message is length-delimited: encode it first, then write its length and bytes.
    private static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> body)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(Message(body)));
    }

    private static byte[] Message(Action<CodedOutputStream> body)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            body(output);
        }
        return buffer.ToArray();
    }
}
