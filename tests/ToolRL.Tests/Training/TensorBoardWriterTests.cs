using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ToolRL.Training.Metrics.TensorBoard;

namespace ToolRL.Tests.Training;

/// <summary>
/// TensorBoard event files: CRC-32C against its published check values, the TFRecord framing read back, and each
/// record decoded by protoc (Debian protobuf-compiler, installed by eng/setup.sh) against the Event/Summary
/// message definitions.
/// </summary>
public sealed class TensorBoardWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new("tensorboard");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Crc32C_matches_its_published_check_values()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));                     // the CRC catalogue's check value
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));                       // RFC 3720 §B.4: 32 bytes of 0
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void The_mask_rotates_right_by_15_and_adds_TensorFlows_delta()
    {
        Assert.Equal(0xa282ead8u, Crc32C.Mask(0));
        Assert.Equal(0x4f730f40u, Crc32C.Mask(0x12345678));   // rotr15 = 0xACF02468, + 0xa282ead8 mod 2^32
        Assert.Equal(0xc78ab0e5u, Crc32C.Masked("123456789"u8));
    }

    [Fact]
    public void Records_are_framed_with_length_and_masked_crcs()
    {
        var path = WriteSample();
        var records = ReadRecords(File.ReadAllBytes(path));
        Assert.Equal(4, records.Count);   // file version, two scalars, one text
    }

    [Fact]
    public void Protoc_decodes_every_record_as_an_Event()
    {
        var records = ReadRecords(File.ReadAllBytes(WriteSample()));
        var proto = Path.Combine(_dir.Path, "event_subset.proto");
        File.WriteAllText(proto, EventSubsetProto);

        Assert.Equal("wall_time: 1700000000.5\nfile_version: \"brain.Event:2\"\n", Protoc(proto, records[0]));
        Assert.Equal("wall_time: 1700000000.5\nstep: 3\nsummary {\n  value {\n    tag: \"critic/score/mean\"\n    simple_value: 0.25\n  }\n}\n", Protoc(proto, records[1]));
        Assert.Equal("wall_time: 1700000000.5\nstep: 3\nsummary {\n  value {\n    tag: \"val/rewards/toolrl/mean\"\n    simple_value: -1.5\n  }\n}\n", Protoc(proto, records[2]));
        Assert.Equal(
            "wall_time: 1700000000.5\nstep: 7\nsummary {\n  value {\n    tag: \"val/generations\"\n    tensor {\n      dtype: DT_STRING\n      tensor_shape {\n      }\n"
            + "      string_val: \"| request | response |\\n|---|---|\\n| Z\\303\\274rich? | <tool_call> |\"\n    }\n    metadata {\n      plugin_data {\n        plugin_name: \"text\"\n      }\n    }\n  }\n}\n",
            Protoc(proto, records[3]));
        // The raw decoding shows the same field numbers (1 wall_time fixed64, 2 step, 5 summary, 1 value, 1 tag, 2 simple_value).
        Assert.Equal("1: 0x41d954fc40200000\n2: 3\n5 {\n  1 {\n    1: \"critic/score/mean\"\n    2: 0x3e800000\n  }\n}\n", Protoc(null, records[1]));
    }

    private string WriteSample()
    {
        using var writer = new TensorBoardWriter(_dir.Path, () => 1_700_000_000.5);
        writer.AddScalars(new Dictionary<string, double> { ["val/rewards/toolrl/mean"] = -1.5, ["critic/score/mean"] = 0.25 }, 3);
        writer.AddText("val/generations", "| request | response |\n|---|---|\n| Zürich? | <tool_call> |", 7);
        Assert.StartsWith("events.out.tfevents.1700000000.", Path.GetFileName(writer.Path));
        return writer.Path;
    }

    // Reads TFRecords, checking both masked CRCs of every record (CRC-32C computed bit by bit here, independently
    // of the writer's hardware instruction).
    internal static List<byte[]> ReadRecords(byte[] file)
    {
        var records = new List<byte[]>();
        var at = 0;
        while (at < file.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at));
            Assert.Equal(MaskedBitwise(file.AsSpan(at, 8)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8)));
            var data = file.AsSpan(at + 12, length).ToArray();
            Assert.Equal(MaskedBitwise(data), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12 + length)));
            records.Add(data);
            at += 12 + length + 4;
        }
        Assert.Equal(file.Length, at);
        return records;
    }

    private static uint MaskedBitwise(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    internal static string Protoc(string? proto, byte[] record)
    {
        var info = new ProcessStartInfo("protoc")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (proto is null)
        {
            info.ArgumentList.Add("--decode_raw");
        }
        else
        {
            info.ArgumentList.Add($"--proto_path={Path.GetDirectoryName(proto)}");
            info.ArgumentList.Add("--decode=tensorflow.Event");
            info.ArgumentList.Add(Path.GetFileName(proto));
        }
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("protoc not found: install Debian's protobuf-compiler (eng/setup.sh does)", e);
        }
        using (process)
        {
            process.StandardInput.BaseStream.Write(record);
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, error.Result);
            return output;
        }
    }

    // The fields of tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto and tensor_shape.proto
    // that these records use, with TensorFlow's field numbers and types.
    internal const string EventSubsetProto = """
        syntax = "proto3";
        package tensorflow;
        enum DataType { DT_INVALID = 0; DT_FLOAT = 1; DT_STRING = 7; }
        message TensorShapeProto { message Dim { int64 size = 1; string name = 2; } repeated Dim dim = 2; bool unknown_rank = 3; }
        message TensorProto { DataType dtype = 1; TensorShapeProto tensor_shape = 2; repeated bytes string_val = 8; }
        message SummaryMetadata {
          message PluginData { string plugin_name = 1; bytes content = 2; }
          PluginData plugin_data = 1; string display_name = 2; string summary_description = 3;
        }
        message Summary {
          message Value {
            string node_name = 7; string tag = 1; SummaryMetadata metadata = 9;
            oneof value { float simple_value = 2; TensorProto tensor = 8; }
          }
          repeated Value value = 1;
        }
        message Event {
          double wall_time = 1; int64 step = 2;
          oneof what { string file_version = 3; bytes graph_def = 4; Summary summary = 5; }
        }
        """;
}
