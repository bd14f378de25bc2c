using ToolRL.Algorithms;
using ToolRL.Benchmarks.Torch;
using ToolRL.Configuration;

namespace ToolRL.Benchmarks.Algorithms;

/// <summary>
/// The RL math of one update at ToolRL-like shapes on CPU (B = 64 responses × T = 1024 positions, float32):
/// GAE (host recursion here; verl loops over T with torch ops), GRPO advantage, clipped policy loss with its
/// metrics, and the k3 KL — against the same equations written the verl way in python3-torch, same run.
/// </summary>
public sealed class RlMathBenchmark : IBenchmark
{
    private const int Batch = 64;
    private const int Length = 1024;
    private const int Rounds = 5;

    public string Name => "rl-math";

    public void Run()
    {
        using var scope = torch.NewScope();
        using var generator = new ToolRL.Torch.Generator(1);
        var mask = torch.Ones([Batch, Length]);
        var rewards = torch.Randn([Batch, Length], generator) * 0.01;
        var values = torch.Randn([Batch, Length], generator);
        var old = torch.Randn([Batch, Length], generator) - 2;
        var current = old + torch.Randn([Batch, Length], generator) * 0.1;
        var advantages = torch.Randn([Batch, Length], generator);
        var groups = Enumerable.Range(0, Batch).Select(i => (long)(i / 4)).ToArray();
        var settings = new PolicyLossSettings(0.2, 0.2, 3, LossAggregationMode.TokenMean);

        var results = new (string Name, double Ms)[]
        {
            ("gae (γ=λ=1, whitened)", Best(() => Gae.Compute(rewards, values, mask, 1, 1))),
            ("grpo advantage (groups of 4)", Best(() => GrpoAdvantage.Compute(rewards, mask, groups))),
            ("clipped policy loss + metrics", Best(() => PolicyLoss.ComputeClipped(old, current, advantages, mask, settings))),
            ("k3 KL estimate", Best(() => KlPenalty.Estimate(current, old, KlEstimator.K3))),
        };
        var python = ReferenceProcess.PythonSnippet($$"""
            import time, torch
            torch.set_num_threads({{torch.IntraOpThreads}})
            B, T = {{Batch}}, {{Length}}
            g = torch.Generator().manual_seed(1)
            m = torch.ones(B, T); r = torch.randn(B, T, generator=g) * 0.01; v = torch.randn(B, T, generator=g)
            old = torch.randn(B, T, generator=g) - 2; new = old + torch.randn(B, T, generator=g) * 0.1; A = torch.randn(B, T, generator=g)
            uid = [i // 4 for i in range(B)]
            def mmean(x, m): return (x * m).sum() / m.sum()
            def whiten(x, m):
                mu = mmean(x, m); var = mmean((x - mu) ** 2, m); var = var * m.sum() / (m.sum() - 1)
                return (x - mu) * torch.rsqrt(var + 1e-8)
            def gae():  # verl core_algos.compute_gae_advantage_return
                nv = 0; lg = 0; out = []
                for t in reversed(range(T)):
                    d = r[:, t] + nv - v[:, t]; lg_ = d + lg
                    nv = v[:, t] * m[:, t] + (1 - m[:, t]) * nv; lg = lg_ * m[:, t] + (1 - m[:, t]) * lg
                    out.append(lg)
                adv = torch.stack(out[::-1], 1); ret = adv + v
                return whiten(adv, m) * m, ret
            def grpo():  # verl compute_grpo_outcome_advantage
                s = r.sum(-1); by = {}
                for i in range(B): by.setdefault(uid[i], []).append(s[i])
                mean = {k: torch.mean(torch.stack(x)) for k, x in by.items()}; std = {k: torch.std(torch.stack(x)) for k, x in by.items()}
                s = torch.stack([(s[i] - mean[uid[i]]) / (std[uid[i]] + 1e-6) for i in range(B)])
                return s.unsqueeze(-1) * m
            def pg():  # verl compute_policy_loss_vanilla
                lr = torch.clamp(new - old, -20, 20); ratio = torch.exp(lr); kl = mmean(-lr, m)
                l1 = -A * ratio; l2 = -A * torch.clamp(ratio, 0.8, 1.2); c = torch.maximum(l1, l2); f = mmean(torch.gt(l2, l1).float(), m)
                l3 = -A * 3.0; low = torch.min(l3, c); fl = mmean(torch.gt(c, l3).float() * (A < 0).float(), m)
                loss = torch.where(A < 0, low, c)
                return mmean(loss, m), f.item(), fl.item(), kl.item()
            def k3():
                kl = torch.clamp(old - new, -20, 20); return torch.clamp(torch.exp(kl) - kl - 1, -10, 10)
            out = []
            for fn in (gae, grpo, pg, k3):
                best = 1e9
                for _ in range({{Rounds}}):
                    t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
                out.append(best * 1e3)
            print(" ".join("%.4f" % x for x in out))
            """);
        var reference = python?.Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        for (var i = 0; i < results.Length; i++)
        {
            var line = $"  {results[i].Name,-32} C# {results[i].Ms,8:F3} ms";
            if (reference is not null)
            {
                line += $"   python3-torch (verl style) {reference[i],8:F3} ms   ratio {results[i].Ms / reference[i]:F2}";
            }
            Console.WriteLine(line);
        }
        Console.WriteLine($"  shapes: {Batch} responses × {Length} positions, float32, {torch.IntraOpThreads} intra-op threads; best of {Rounds}");
    }

    private static double Best(Action body)
    {
        var best = double.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            using var scope = torch.NewScope();
            var sw = Stopwatch.StartNew();
            body();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
