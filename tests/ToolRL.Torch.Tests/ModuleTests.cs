using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>Module trees name their parameters as Hugging Face does and load/save state dicts strictly.</summary>
public sealed class ModuleTests
{
    /// <summary>A module holding named random parameters of given shapes (the model files declare their own layers).</summary>
    private sealed class Weights : Module
    {
        public Weights(params (string Name, long[] Shape)[] parameters)
        {
            foreach (var (name, shape) in parameters)
            {
                using var t = torch.Randn(shape);
                RegisterParameter(name, new Parameter(t));
            }
        }
    }

    private sealed class Attention : Module
    {
        public Attention()
        {
            RegisterModule("q_proj", new Weights(("weight", [4, 4]), ("bias", [4])));
            RegisterModule("o_proj", new Weights(("weight", [4, 4])));
        }
    }

    private sealed class Layer : Module
    {
        public Layer()
        {
            RegisterModule("self_attn", new Attention());
            RegisterModule("input_layernorm", new Weights(("weight", [4])));
        }
    }

    private sealed class Inner : Module
    {
        public Inner()
        {
            RegisterModule("embed_tokens", new Weights(("weight", [10, 4])));
            RegisterModule("layers", new ModuleList<Layer>([new Layer(), new Layer()]));
            RegisterBuffer("inv_freq", torch.Ones([2]), persistent: false);
        }
    }

    private sealed class Model : Module
    {
        public Model() => RegisterModule("model", new Inner());
    }

    [Fact]
    public void ParametersHaveHuggingFaceDottedNames()
    {
        using var scope = torch.NewScope();
        using var m = new Model();
        Assert.Equal(
        [
            "model.embed_tokens.weight",
            "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj.bias",
            "model.layers.0.self_attn.o_proj.weight", "model.layers.0.input_layernorm.weight",
            "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.q_proj.bias",
            "model.layers.1.self_attn.o_proj.weight", "model.layers.1.input_layernorm.weight",
        ], m.NamedParameters().Select(p => p.Name));
        Assert.DoesNotContain("model.inv_freq", m.StateDict().Keys);
        Assert.Equal(10 * 4 + 2 * (16 + 4 + 16 + 4), m.ParameterCount());
    }

    [Fact]
    public void StateDictRoundTripsIntoAFreshModule()
    {
        using var scope = torch.NewScope();
        using var a = new Model();
        using var b = new Model();
        b.LoadStateDict(a.StateDict());
        foreach (var (name, t) in a.StateDict())
        {
            Assert.True(t.Equal(b.StateDict()[name]), name);
        }
        Assert.True(b.Parameters().All(p => p.RequiresGrad && p.IsLeaf));
    }

    [Fact]
    public void StrictLoadNamesMissingUnexpectedAndMismatchedKeys()
    {
        using var scope = torch.NewScope();
        using var m = new Model();
        var sd = m.StateDict().ToDictionary();
        sd.Remove("model.embed_tokens.weight");
        sd["lm_head.weight"] = torch.Zeros([1]);
        var e = Assert.Throws<ArgumentException>(() => m.LoadStateDict(sd));
        Assert.Contains("missing keys [model.embed_tokens.weight]", e.Message);
        Assert.Contains("unexpected keys [lm_head.weight]", e.Message);
        sd.Remove("lm_head.weight");
        sd["model.embed_tokens.weight"] = torch.Zeros([10, 5]);
        e = Assert.Throws<ArgumentException>(() => m.LoadStateDict(sd));
        Assert.Contains("'model.embed_tokens.weight' has shape [10, 5] but the module expects [10, 4]", e.Message);
    }

    [Fact]
    public void FreezeUnfreezeAndDTypeConversion()
    {
        using var scope = torch.NewScope();
        using var m = new Model();
        m.Freeze();
        Assert.DoesNotContain(m.Parameters(), p => p.RequiresGrad);
        Assert.Empty(m.TrainableParameters());
        m.Unfreeze();
        Assert.All(m.Parameters(), p => Assert.True(p.RequiresGrad));
        var before = m.StateDict()["model.embed_tokens.weight"].ToArray<float>();
        m.To(DType.Float64);
        Assert.All(m.Parameters(), p => Assert.Equal(DType.Float64, p.DType));
        Assert.Equal(before.Select(v => (double)v), m.StateDict()["model.embed_tokens.weight"].ToArray<double>());
        Assert.All(m.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void LinearIsXWtPlusB()
    {
        using var scope = torch.NewScope();
        var weight = torch.FromArray([1f, 0f, 2f, 0f, 1f, -1f], 2, 3);
        var bias = torch.FromArray([0.5f, -0.5f]);
        Assert.Equal([7.5f, -1.5f], torch.Linear(torch.FromArray([1f, 2f, 3f], 1, 3), weight, bias).ToArray<float>());
        Assert.Equal([7f, -1f], torch.Linear(torch.FromArray([1f, 2f, 3f], 1, 3), weight).ToArray<float>());
    }

    [Fact]
    public void UniformInitialisationStaysInItsBoundAndSpreadsOverIt()
    {
        using var scope = torch.NewScope();
        using var g = new Generator(0);
        var bound = 1 / Math.Sqrt(16);
        var w = torch.Empty([8, 16]);
        torch.UniformInPlace(w, -bound, bound, g);
        Assert.All(w.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        Assert.True(w.Std().ItemDouble() > bound / 3, "values must be spread over the bound, not constant");
    }
}
