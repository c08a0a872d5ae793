using System.CommandLine;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;

var minutes = new Option<double>("--minutes") { Description = "minutes of fault injection", DefaultValueFactory = _ => 1 };
var seed = new Option<int?>("--seed") { Description = "seed of the fault schedule (random when omitted; always printed)" };
var unfenced = new Option<bool>("--unfenced") { Description = "drop the epoch condition (test build behaviour) to show the checker failing" };
var faults = new Option<FaultKind[]>("--faults") { Description = "only these fault kinds (default: all)", AllowMultipleArgumentsPerToken = true };
var output = new Option<string>("--output") { Description = "output folder", DefaultValueFactory = _ => Path.Combine("artifacts", "chaos") };
var connection = new Option<string>("--connection") { Required = true };
var nodeName = new Option<string>("--node") { Required = true };
var history = new Option<string>("--history") { Required = true };

var run = new Command("run", "Run the fault-injection suite and check the invariants") { minutes, seed, unfenced, faults, output };
run.SetAction(async (result, ct) =>
{
    var options = new ChaosOptions
    {
        Duration = TimeSpan.FromMinutes(result.GetValue(minutes)),
        Seed = result.GetValue(seed),
        Unfenced = result.GetValue(unfenced),
        OutputDirectory = result.GetValue(output)!,
        Faults = result.GetValue(faults) is { Length: > 0 } kinds ? kinds : null,
    };
    var outcome = await ChaosRunner.RunAsync(options, Console.Out, ct);
    Console.WriteLine(outcome.Passed ? $"chaos run passed (seed {outcome.Seed})" : $"chaos run FAILED with {outcome.Violations.Count} violations (seed {outcome.Seed})");
    return outcome.Passed ? 0 : 1;
});

var node = new Command("node", "One daemon node (used by the runner as a separate OS process)") { connection, nodeName, history, unfenced };
node.SetAction((result, _) => ChaosNode.RunAsync(result.GetValue(connection)!, result.GetValue(nodeName)!, result.GetValue(history)!, result.GetValue(unfenced)));

return await new RootCommand("ProjectionGen fault-injection suite") { run, node }.Parse(args).InvokeAsync();
