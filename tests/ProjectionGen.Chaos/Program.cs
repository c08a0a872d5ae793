using System.CommandLine;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;

var minutes = new Option<double>("--minutes") { Description = "minutes of fault injection", DefaultValueFactory = _ => 1 };
var seed = new Option<int?>("--seed") { Description = "seed of the fault schedule (random when omitted; always printed)" };
var unfenced = new Option<bool>("--unfenced") { Description = "drop the epoch condition (test build behaviour) to show the checker failing" };
var faults = new Option<FaultKind[]>("--faults") { Description = "only these fault kinds (default: all)", AllowMultipleArgumentsPerToken = true };
var output = new Option<string>("--output") { Description = "output folder", DefaultValueFactory = _ => Path.Combine("artifacts", "chaos") };
var connection = new Option<string?>("--connection") { Description = $"the connection string (default: the {NodeProcess.ConnectionVariable} environment variable, which keeps it off the command line)" };
var nodeName = new Option<string>("--node") { Required = true };
var history = new Option<string>("--history") { Required = true };
var projections = new Option<string>("--projections") { Description = "projections to host: names, prefix* patterns, set:chaos, set:acceptance, set:idle", DefaultValueFactory = _ => "set:chaos" };
var capacity = new Option<int?>("--capacity") { Description = "most slots this node takes" };
var tags = new Option<string?>("--tags") { Description = "comma-separated tags of this node" };
var pins = new Option<string[]>("--pin") { Description = "projection=node-or-tag:NAME[,...] (repeatable; give every node the same pins)" };
var evictionTimeout = new Option<int?>("--eviction-timeout-ms") { Description = "eviction timeout in milliseconds (default: the daemon's)" };
var heartbeatTimeout = new Option<int?>("--heartbeat-timeout-ms") { Description = "heartbeat timeout in milliseconds (default: the daemon's; the eviction timeout must be longer)" };
var noPrepare = new Option<bool>("--no-prepare") { Description = "the node's store prepares no statements (batches through a pooler in transaction mode)" };
var tenantProjections = new Option<string?>("--tenant-projections") { Description = "also run a TenantDatabaseNode over the master table's tenant databases (balanced over the nodes) with these projections" };
var tenantRetry = new Option<int?>("--tenant-max-start-retry-ms") { Description = "the tenant node's longest delay between two failed starts of a tenant database (default 2000)" };
var commitDelay = new Option<int>("--commit-delay-ms") { Description = "pause between the guard and the commit", DefaultValueFactory = _ => 25 };

var runProjections = new Option<string>("--projections") { Description = "projections every node hosts (as for node --projections)", DefaultValueFactory = _ => "set:chaos" };
var tenants = new Option<int>("--tenants") { Description = "tenant mode: N tenant databases over two servers, run by a TenantDatabaseNode on every node, plus the tenant faults (0: off)", DefaultValueFactory = _ => 0 };
var pooler = new Option<bool>("--pooler") { Description = "batches and appends through a PgBouncer in transaction mode, lock connections direct; adds the pooler faults" };
var run = new Command("run", "Run the fault-injection suite and check the invariants") { minutes, seed, unfenced, faults, output, runProjections, pooler, tenants };
run.SetAction(async (result, ct) =>
{
    var options = new ChaosOptions
    {
        Duration = TimeSpan.FromMinutes(result.GetValue(minutes)),
        Seed = result.GetValue(seed),
        Unfenced = result.GetValue(unfenced),
        OutputDirectory = result.GetValue(output)!,
        Faults = result.GetValue(faults) is { Length: > 0 } kinds ? kinds : null,
        Projections = ProjectionSets.Resolve(result.GetValue(runProjections)!),
        Pooler = result.GetValue(pooler),
        Tenants = result.GetValue(tenants),
    };
    var outcome = await ChaosRunner.RunAsync(options, Console.Out, ct);
    Console.WriteLine(outcome.Passed ? $"chaos run passed (seed {outcome.Seed})" : $"chaos run FAILED with {outcome.Violations.Count} violations (seed {outcome.Seed})");
    return outcome.Passed ? 0 : 1;
});

var node = new Command("node", "One daemon node (used by the runner, the cluster tests and the benchmarks as a separate OS process)")
{
    connection, nodeName, history, unfenced, projections, capacity, tags, pins, evictionTimeout, heartbeatTimeout, commitDelay, noPrepare, tenantProjections, tenantRetry,
};
node.SetAction((result, _) =>
{
    var settings = new NodeSettings
    {
        Name = result.GetValue(nodeName)!,
        Projections = ProjectionSets.Resolve(result.GetValue(projections)!),
        Capacity = result.GetValue(capacity),
        Tags = result.GetValue(tags)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
        Pins = (result.GetValue(pins) ?? []).Select(NodeSettings.ParsePin).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        EvictionTimeout = result.GetValue(evictionTimeout) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
        HeartbeatTimeout = result.GetValue(heartbeatTimeout) is { } heartbeat ? TimeSpan.FromMilliseconds(heartbeat) : null,
        CommitDelay = TimeSpan.FromMilliseconds(result.GetValue(commitDelay)),
        Unfenced = result.GetValue(unfenced),
        PrepareStatements = !result.GetValue(noPrepare),
        TenantMaxStartRetryDelay = result.GetValue(tenantRetry) is { } retryMs ? TimeSpan.FromMilliseconds(retryMs) : null,
        TenantProjections = result.GetValue(tenantProjections) is { Length: > 0 } tenantSpec ? ProjectionSets.Resolve(tenantSpec) : [],
    };
    var connectionString = result.GetValue(connection) ?? Environment.GetEnvironmentVariable(NodeProcess.ConnectionVariable)
        ?? throw new InvalidOperationException($"Give --connection or set {NodeProcess.ConnectionVariable}.");
    var lockConnectionString = Environment.GetEnvironmentVariable(NodeProcess.LockConnectionVariable) is { Length: > 0 } direct ? direct : null;
    return ChaosNode.RunAsync(connectionString, result.GetValue(history)!, settings, lockConnectionString);
});

return await new RootCommand("ProjectionGen fault-injection suite") { run, node }.Parse(args).InvokeAsync();
