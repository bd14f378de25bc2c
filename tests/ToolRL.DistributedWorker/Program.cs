// One rank of the multi-process collective tests. Reads torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, ...),
// joins the gloo group and runs a scenario:
//   collectives FIXTURE OUT   every collective on this rank's fixture inputs; the results go to OUT (JSON)
//   peer-dies OUT TIMEOUT_S   one all-reduce, then rank 0 waits in a second one while the test kills rank 1
//   peer-stalls OUT TIMEOUT_S JOIN_S  one all-reduce, then rank 1 sleeps instead of joining the second: rank 0 times
//                             out (joining may take up to JOIN_S, so slow start-ups on a loaded machine still meet)
//   reducer-peer-dies OUT TIMEOUT_S  as peer-dies, rank 0's second collective being a GradientReducer's all-reduce
//                             started inside a backward (overlapped), whose failure Finish() reports
// After the first collective a rank writes OUT.ready, so the test knows both joined. Rank 0's failure (message,
// seconds waited) goes to OUT and the process exits with 1.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;

var environment = DistributedEnvironment.FromEnvironment() ?? throw new InvalidOperationException("WORLD_SIZE is not set");
var scenario = args[0];
var output = scenario == "collectives" ? args[2] : args[1];
var timeout = scenario == "collectives" ? TimeSpan.FromSeconds(120) : TimeSpan.FromSeconds(double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
TimeSpan? join = args.Length > 3 ? TimeSpan.FromSeconds(double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)) : null;
using var group = ProcessGroup.Init(environment, DistributedBackend.Gloo, timeout, join);
if (scenario == "collectives")
{
    RunCollectives(group, args[1], output);
    return 0;
}

using (var first = torch.Ones([3]))
{
    group.AllReduce(first);
}
File.WriteAllText(output + ".ready." + group.Rank, "");
if (group.Rank != 0)
{
    // peer-dies: the test kills this process now; peer-stalls: it never joins the next collective.
    Thread.Sleep(TimeSpan.FromMinutes(10));
    return 0;
}
var clock = Stopwatch.StartNew();
try
{
    if (scenario == "reducer-peer-dies")
    {
        using var parameter = new ToolRL.Torch.NN.Parameter(torch.Ones([3]));
        using var reducer = new GradientReducer(group, [parameter]);
        reducer.Prepare(lastMicroBatch: true);
        using (var scope = torch.NewScope())
        {
            (parameter * 2).Sum().Backward();
        }
        reducer.Finish();
    }
    else
    {
        using var second = torch.Ones([3]);
        group.AllReduce(second);
    }
    File.WriteAllText(output, new JsonObject { ["error"] = null }.ToJsonString());
    return 0;
}
catch (DistributedException e)
{
    File.WriteAllText(output, new JsonObject { ["error"] = e.Message, ["seconds"] = clock.Elapsed.TotalSeconds }.ToJsonString());
    return 1;
}

static void RunCollectives(ProcessGroup group, string fixturePath, string output)
{
    var fixture = JsonNode.Parse(File.ReadAllText(fixturePath))!;
    var inputs = fixture["ranks"]![group.Rank]!["inputs"]!;
    var results = new JsonObject();
    foreach (var (name, op) in fixture["reduce_ops"]!.AsObject())
    {
        using var t = ToTensor(inputs[name]!);
        group.AllReduce(t, Enum.Parse<ReduceOp>(op!.GetValue<string>(), ignoreCase: true));
        results[name] = Encode(t);
    }
    using (var t = ToTensor(inputs["broadcast_f32"]!))
    {
        group.Broadcast(t, fixture["broadcast_root"]!.GetValue<int>());
        results["broadcast_f32"] = Encode(t);
    }
    using (var t = ToTensor(inputs["all_gather_f32"]!))
    using (var gathered = group.AllGather(t))
    {
        results["all_gather_f32"] = Encode(gathered);
    }
    using (var t = ToTensor(inputs["reduce_scatter_f32"]!))
    using (var chunk = group.ReduceScatter(t))
    {
        results["reduce_scatter_f32"] = Encode(chunk);
    }
    group.Barrier();
    File.WriteAllText(output, results.ToJsonString());
}

static Tensor ToTensor(JsonNode t)
{
    var shape = t["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
    var data = t["data"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
    return t["dtype"]!.GetValue<string>() switch
    {
        "f32" => torch.FromSpan<float>(data.Select(d => (float)d).ToArray(), shape),
        "f64" => torch.FromSpan<double>(data, shape),
        "i64" => torch.FromSpan<long>(data.Select(d => (long)d).ToArray(), shape),
        var other => throw new InvalidDataException($"fixture dtype {other}"),
    };
}

static JsonObject Encode(Tensor t) => new()
{
    ["shape"] = new JsonArray(t.Shape.Select(s => (JsonNode)s).ToArray()),
    ["data"] = new JsonArray(t.ToArray<double>().Select(v => (JsonNode)v).ToArray()),
};
