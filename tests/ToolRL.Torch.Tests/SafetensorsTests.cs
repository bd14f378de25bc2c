using System.Buffers.Binary;
using System.Text;
using ToolRL.Testing;
using ToolRL.Torch.IO;

namespace ToolRL.Torch.Tests;

/// <summary>Safetensors: every dtype round-trips, the tiny Qwen2 fixture reads with its known shapes, and broken files are refused.</summary>
public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("toolrl-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EveryDTypeRoundTrips()
    {
        using var scope = torch.NewScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = torch.FromArray([1.5f, -2f, 3f, 4f], 2, 2),
            ["f64"] = torch.FromArray([Math.PI]),
            ["bf16"] = torch.FromArray([1.5f, -0.25f, 8f]).To(DType.BFloat16),
            ["f16"] = torch.FromArray([(Half)0.5, (Half)(-3)]),
            ["i64"] = torch.FromArray([long.MinValue, 5L]),
            ["i32"] = torch.FromArray([-7, 9], 1, 2),
            ["u8"] = torch.FromArray([(byte)0, (byte)200]),
            ["bool"] = torch.FromArray([true, false, true]),
            ["strided"] = torch.Arange(0, 6).Reshape(2, 3).Transpose(0, 1),
            ["empty"] = torch.Zeros([0, 3]),
        };
        var path = Path.Combine(_dir, "all.safetensors");
        Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var header = Safetensors.ReadHeader(path);
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Equal(0, header.DataStart % 8);
        var loaded = Safetensors.Load(path);
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.DType, loaded[name].DType);
            Assert.True(t.Equal(loaded[name]), name);
        }
    }

    [Fact]
    public void ReadsTheTinyQwen2FixtureWithItsKnownShapes()
    {
        // tools/model/make_fixtures.py: BF16, HF names, Qwen2.5's 151,936-row vocabulary, hidden 8, GQA 2:1.
        var path = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "tiny-random-qwen2", "model.safetensors");
        var header = Safetensors.ReadHeader(path);
        Assert.Equal(26, header.Entries.Count);
        Assert.All(header.Entries, e => Assert.Equal(DType.BFloat16, e.DType));
        using var scope = torch.NewScope();
        var sd = Safetensors.LoadCheckpoint(Path.GetDirectoryName(path)!, dtype: DType.Float32);
        Assert.Equal([151936L, 8], sd["model.embed_tokens.weight"].Shape);
        Assert.Equal([4L, 8], sd["model.layers.1.self_attn.k_proj.weight"].Shape);
        Assert.Equal([8L], sd["model.layers.0.self_attn.q_proj.bias"].Shape);
        Assert.Equal([8L, 16], sd["model.layers.0.mlp.down_proj.weight"].Shape);
        Assert.Equal(DType.Float32, sd["model.norm.weight"].DType);
        Assert.True(sd["model.embed_tokens.weight"].IsFinite().All().Item<bool>());
    }

    [Fact]
    public void ShardedCheckpointLoadsThroughTheIndex()
    {
        using var scope = torch.NewScope();
        Safetensors.Save(Path.Combine(_dir, "a.safetensors"), new Dictionary<string, Tensor> { ["x.weight"] = torch.Ones([2]) });
        Safetensors.Save(Path.Combine(_dir, "b.safetensors"), new Dictionary<string, Tensor> { ["y.weight"] = torch.Zeros([3]) });
        File.WriteAllText(Path.Combine(_dir, Safetensors.IndexFileName),
            """{"metadata":{"total_size":20},"weight_map":{"x.weight":"a.safetensors","y.weight":"b.safetensors"}}""");
        var sd = Safetensors.LoadCheckpoint(_dir);
        Assert.Equal([1f, 1f], sd["x.weight"].ToArray<float>());
        Assert.Equal([3L], sd["y.weight"].Shape);

        File.WriteAllText(Path.Combine(_dir, Safetensors.IndexFileName),
            """{"weight_map":{"x.weight":"a.safetensors","z.weight":"b.safetensors"}}""");
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.LoadCheckpoint(_dir));
        Assert.Contains("'z.weight'", e.Message);

        File.WriteAllText(Path.Combine(_dir, Safetensors.IndexFileName), """{"weight_map":{"x.weight":"../a.safetensors"}}""");
        Assert.Contains("plain file name", Assert.Throws<SafetensorsFormatException>(() => Safetensors.LoadCheckpoint(_dir)).Message);
    }

    public static TheoryData<string, string> BrokenFiles() => new()
    {
        { "truncated", "run past" },
        { "tiny", "shorter than the 8-byte" },
        { "huge_header", "exceeds the 100000000-byte limit" },
        { "header_past_end", "runs past the end" },
        { "bad_json", "not valid JSON" },
        { "not_object", "must be an object" },
        { "overlap", "overlap tensor" },
        { "hole", "a hole" },
        { "wrong_size", "needs 16 bytes but data_offsets [0, 12] hold 12" },
        { "bad_dtype", "unsupported dtype 'Q7'" },
        { "negative_shape", "non-negative integers" },
        { "reversed_offsets", "end before they begin" },
        { "trailing", "trailing bytes" },
        { "huge_shape", "too large" },
        { "huge_tensor_small_file", "run past the 8-byte data section" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void BrokenFilesAreRefusedWithAClearMessage(string kind, string expected)
    {
        var path = Path.Combine(_dir, kind + ".safetensors");
        File.WriteAllBytes(path, Broken(kind));
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    private static byte[] Broken(string kind)
    {
        const string ok = """{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""";
        return kind switch
        {
            "truncated" => Build(ok, 10),
            "tiny" => [1, 2, 3],
            "huge_header" => Prefix(ulong.MaxValue / 2, []),
            "header_past_end" => Prefix(5000, Encoding.UTF8.GetBytes(ok)),
            "bad_json" => Build("""{"a":{"dtype":"F32",""", 16),
            "not_object" => Build("[1,2]", 0),
            "overlap" => Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12),
            "hole" => Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12),
            "wrong_size" => Build("""{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""", 12),
            "bad_dtype" => Build("""{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}""", 8),
            "negative_shape" => Build("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8),
            "reversed_offsets" => Build("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", 8),
            "trailing" => Build(ok, 20),
            "huge_shape" => Build("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8),
            // 4 GB promised by a tiny file: refused from the header alone, before any tensor memory exists.
            "huge_tensor_small_file" => Build("""{"a":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}""", 8),
            _ => throw new ArgumentException(kind),
        };
    }

    private static byte[] Build(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return Prefix((ulong)json.Length, [.. json, .. new byte[dataBytes]]);
    }

    private static byte[] Prefix(ulong length, byte[] rest)
    {
        var bytes = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        rest.CopyTo(bytes, 8);
        return bytes;
    }
}
