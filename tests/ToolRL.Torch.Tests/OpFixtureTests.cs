using System.Text.Json;
using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>
/// Every op's values and gradients against python3-torch (tests/ToolRL.Torch.Tests/Fixtures/ops.json, made
/// by tools/torch/make_op_fixtures.py). The gradient is of sum(output · upstream) for a fixed random upstream.
/// </summary>
public sealed class OpFixtureTests
{
    private const double Tolerance = 2e-5;
    private static readonly JsonElement Cases = Fixture.Load("ops.json").GetProperty("cases");

    private delegate object Op(IReadOnlyDictionary<string, Tensor> x);

    private static readonly Dictionary<string, Op> Ops = new()
    {
        ["add"] = x => x["a"] + x["b"],
        ["add_alpha"] = x => x["a"].Add(x["b"], 2.5),
        ["sub"] = x => x["a"] - x["b"],
        ["mul_broadcast"] = x => x["a"] * x["row"],
        ["div"] = x => x["a"] / x["p"],
        ["add_scalar"] = x => x["a"] + 1.5,
        ["rsub_scalar"] = x => 2.0 - x["a"],
        ["rdiv_scalar"] = x => 3.0 / x["p"],
        ["mul_scalar"] = x => x["a"] * -0.5,
        ["pow_scalar"] = x => x["p"].Pow(2.5),
        ["exp"] = x => x["a"].Exp(),
        ["log"] = x => x["p"].Log(),
        ["sqrt"] = x => x["p"].Sqrt(),
        ["rsqrt"] = x => x["p"].Rsqrt(),
        ["neg"] = x => -x["a"],
        ["abs"] = x => x["a"].Abs(),
        ["square"] = x => x["a"].Square(),
        ["silu"] = x => x["a"].Silu(),
        ["sigmoid"] = x => x["a"].Sigmoid(),
        ["tanh"] = x => x["a"].Tanh(),
        ["softmax"] = x => x["a"].Softmax(-1),
        ["log_softmax"] = x => x["a"].LogSoftmax(1),
        ["logsumexp"] = x => x["a"].LogSumExp(-1),
        ["clamp"] = x => x["a"].Clamp(-0.5, 0.7),
        ["clamp_min"] = x => x["a"].ClampMin(0.1),
        ["minimum"] = x => x["a"].Minimum(x["b"]),
        ["maximum"] = x => x["a"].Maximum(x["b"]),
        ["masked_fill"] = x => x["a"].MaskedFill(x["m"], -9.0),
        ["where"] = x => torch.Where(x["m"], x["a"], x["b"]),
        ["gt"] = x => x["a"].Gt(x["b"]),
        ["le_scalar"] = x => x["a"].Le(0.25),
        ["eq_int"] = x => x["x"].Eq(2),
        ["isfinite"] = x => x["x"].IsFinite(),
        ["sum"] = x => x["a"].Sum(),
        ["sum_dim"] = x => x["a"].Sum(0),
        ["sum_keepdim"] = x => x["a"].Sum(-1, keepDim: true),
        ["mean"] = x => x["a"].Mean(),
        ["mean_dim"] = x => x["a"].Mean(1),
        ["max_all"] = x => x["a"].Max(),
        ["max_dim"] = x => x["a"].Max(1),
        ["min_dim"] = x => x["a"].Min(0, keepDim: true),
        ["argmax_dim"] = x => x["a"].ArgMax(-1),
        ["std"] = x => x["a"].Std(),
        ["var_dim"] = x => x["a"].Var(1),
        ["norm"] = x => x["a"].Norm(),
        ["topk"] = x => x["a"].TopK(2, -1),
        ["sort_desc"] = x => x["a"].Sort(1, descending: true),
        ["cumsum"] = x => x["a"].CumSum(1),
        ["tril"] = x => x["s"].Tril(),
        ["triu_1"] = x => x["s"].Triu(1),
        ["matmul"] = x => x["x"].MatMul(x["y"]),
        ["linear"] = x => torch.Linear(x["x"], x["w"], x["b"]),
        ["linear_nobias"] = x => torch.Linear(x["x"], x["w"]),
        ["embedding"] = x => torch.Embedding(x["w"], x["i"]),
        ["cross_entropy"] = x => torch.CrossEntropy(x["l"], x["y"], ignoreIndex: -100),
        ["cross_entropy_sum"] = x => torch.CrossEntropy(x["l"], x["y"].ClampMin(0), reduction: "sum"),
        ["cross_entropy_none"] = x => torch.CrossEntropy(x["l"], x["y"], reduction: "none"),
        ["gather"] = x => x["a"].Gather(1, x["i"]),
        ["scatter"] = x => x["a"].Scatter(1, x["i"], x["s"]),
        ["index_select"] = x => x["a"].IndexSelect(1, x["i"]),
        ["cat"] = x => torch.Cat([x["a"], x["b"]], 1),
        ["stack"] = x => torch.Stack([x["a"], x["b"]], 0),
        ["transpose"] = x => x["x"].Transpose(0, 2),
        ["permute"] = x => x["x"].Permute(2, 0, 1),
        ["narrow"] = x => x["x"].Narrow(2, 1, 2),
        ["slice_step"] = x => x["x"].Slice(2, 0, 4, 2),
        ["reshape"] = x => x["x"].Reshape(6, -1),
        ["expand"] = x => x["r"].Unsqueeze(0).Expand(3, 4),
        ["select"] = x => x["x"].Select(1, 2),
        ["squeeze"] = x => x["r"].Unsqueeze(0).Unsqueeze(2).Squeeze(2),
        ["rms_norm"] = x => Functional.RmsNorm(x["x"], x["w"], 1e-6),
        ["silu_mul"] = x => Functional.SiluMul(x["g"], x["u"]),
        ["attention_causal_gqa"] = x => Functional.Attention(x["q"], x["k"], x["v"], null, causal: true),
        ["attention_bool_mask"] = x => Functional.Attention(x["q"], x["k"], x["v"],
            torch.FromArray([false, true, true, true, true], 1, 1, 1, 5), causal: false, scale: 0.3),
        ["rotary"] = x => Functional.ApplyRotary(x["x"], x["c"], x["s"]),
        ["token_logprobs"] = x => Functional.TokenLogProbs(x["l"], x["i"]),
        ["entropy"] = x => Functional.EntropyFromLogits(x["l"]),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ValuesAndGradientsMatchPyTorch(string name)
    {
        var c = Cases.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        Assert.True(Ops.TryGetValue(name, out var op), $"no C# op for fixture case '{name}'");
        using var scope = torch.NewScope();
        var hasGrads = c.TryGetProperty("grads", out var grads);
        var inputs = new Dictionary<string, Tensor>();
        foreach (var input in c.GetProperty("inputs").EnumerateObject())
        {
            var t = Fixture.ToTensor(input.Value);
            if (hasGrads && t.DType == DType.Float32)
            {
                t.RequiresGrad = true;
            }
            inputs[input.Name] = t;
        }
        var result = op(inputs);
        var outputs = result switch
        {
            Tensor t => [t],
            ValueTuple<Tensor, Tensor> pair => new[] { pair.Item1, pair.Item2 },
            _ => throw new InvalidOperationException(result.GetType().Name),
        };
        var expected = c.GetProperty("outputs").EnumerateArray().ToArray();
        Assert.Equal(expected.Length, outputs.Length);
        for (var i = 0; i < outputs.Length; i++)
        {
            Fixture.AssertClose(expected[i], outputs[i], Tolerance, $"{name} output {i}");
        }
        if (!hasGrads)
        {
            return;
        }
        var upstream = Fixture.ToTensor(c.GetProperty("upstream"));
        (outputs[0] * upstream).Sum().Backward();
        foreach (var g in grads.EnumerateObject())
        {
            var grad = inputs[g.Name].Grad;
            Assert.True(grad is not null, $"{name}: no gradient for input '{g.Name}'");
            Fixture.AssertClose(g.Value, grad!, Tolerance, $"{name} d/d{g.Name}");
        }
    }

    [Fact]
    public void EveryFixtureCaseHasAnOp()
    {
        var missing = Cases.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Where(n => !Ops.ContainsKey(n)).ToList();
        Assert.Empty(missing);
    }
}
