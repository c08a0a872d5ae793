using System.CommandLine;
using Orders.Commands;

var connection = new Option<string?>("--connection") { Description = "Npgsql connection string of an existing database (default for demo: an ephemeral server)" };
var requiredConnection = new Option<string>("--connection") { Description = "Npgsql connection string", Required = true };
var node = new Option<string>("--node") { Description = "this node's name", Required = true };
var streams = new Option<int>("--streams") { Description = "order streams", DefaultValueFactory = _ => 100 };
var events = new Option<int>("--events") { Description = "events per stream", DefaultValueFactory = _ => 10 };
var writers = new Option<int>("--writers") { Description = "concurrent writers", DefaultValueFactory = _ => 4 };
var json = new Option<bool>("--json") { Description = "JSON output" };
var lockConnection = new Option<string?>("--lock-connection") { Description = "a direct connection for the node's locks when --connection goes through a pooler in transaction mode (add --no-prepare: a node whose batches go through a pooler with prepared statements refuses to start)" };
var schemaConnection = new Option<string?>("--schema-connection") { Description = "the schema owner's (migration role's) connection string for applying the schema; default: --connection" };
var noPrepare = new Option<bool>("--no-prepare") { Description = "do not prepare statements (appends, or a node's batches, through a pooler in transaction mode)" };
var dashboardPort = new Option<int?>("--dashboard-port") { Description = "also serve the operations dashboard at http://127.0.0.1:N/projectiongen" };

var demo = new Command("demo", "The main job: three nodes, PostgreSQL restarted and crashed under them, exactly-once verified") { connection };
demo.SetAction((result, ct) => DemoCommand.RunAsync(result.GetValue(connection), ct));

var nodeCommand = new Command("node", "Run one daemon node until SIGINT/SIGTERM") { requiredConnection, node, dashboardPort, lockConnection, schemaConnection, noPrepare };
nodeCommand.SetAction((result, ct) => NodeCommand.RunAsync(result.GetValue(requiredConnection)!, result.GetValue(node)!, result.GetValue(dashboardPort), ct, result.GetValue(lockConnection), result.GetValue(schemaConnection), result.GetValue(noPrepare)));

var append = new Command("append", "Append whole orders") { requiredConnection, streams, events, writers, schemaConnection, noPrepare };
append.SetAction((result, ct) => AppendCommand.RunAsync(result.GetValue(requiredConnection)!, result.GetValue(streams), result.GetValue(events), result.GetValue(writers), ct, result.GetValue(schemaConnection), result.GetValue(noPrepare)));

var verify = new Command("verify", "Exit 0 if and only if every read model equals the fold of all committed events") { requiredConnection };
verify.SetAction((result, ct) => VerifyCommand.RunAsync(result.GetValue(requiredConnection)!, ct));

var status = new Command("status", "The nodes, and owner, epoch, position and lag per projection (and shard)") { requiredConnection, json };
status.SetAction((result, ct) => StatusCommand.RunAsync(result.GetValue(requiredConnection)!, result.GetValue(json), ct));

var projection = new Argument<string>("projection") { Description = "the projection to rebuild (order_summary, order_ledger or sku_sales)" };
var shadowOption = new Option<bool>("--shadow") { Description = "replay into a fresh table (for order_ledger, a fresh copy of its table) beside the live one and switch readers once it has caught up (docs/versions.md)" };
var rebuild = new Command("rebuild", "Rebuild a projection while nodes run (its owner is fenced, then it replays from 0); --shadow rebuilds beside the live one") { requiredConnection, projection, shadowOption };
rebuild.SetAction((result, ct) => result.GetValue(shadowOption)
    ? VersionCommands.ShadowRebuildAsync(result.GetValue(requiredConnection)!, result.GetValue(projection)!, ct)
    : RebuildCommand.RunAsync(result.GetValue(requiredConnection)!, result.GetValue(projection)!, ct));

var versioned = new Argument<string>("projection") { Description = "a projection with versions: an aggregate (order_summary or sku_sales) or an event projection that declares its tables (order_ledger)" };
var generationArgument = new Argument<string>("generation") { Description = "a generation label as status shows it (v1, v1b, v2, ...)" };
var switchBack = new Command("switch-back", "Switch readers back to a kept generation once it has caught up again") { requiredConnection, versioned, generationArgument };
switchBack.SetAction((result, ct) => VersionCommands.SwitchBackAsync(result.GetValue(requiredConnection)!, result.GetValue(versioned)!, result.GetValue(generationArgument)!, ct));
var retire = new Command("retire", "Retire a kept generation: drop its table (for order_ledger, its copy of the table) and progress rows") { requiredConnection, versioned, generationArgument };
retire.SetAction((result, ct) => VersionCommands.RetireAsync(result.GetValue(requiredConnection)!, result.GetValue(versioned)!, result.GetValue(generationArgument)!, ct));

var undo = new Option<bool>("--undo") { Description = "end the drain instead" };
var drain = new Command("drain", "Move every slot of a node to the other nodes (each after its current batch); --undo ends the drain") { requiredConnection, node, undo };
drain.SetAction((result, ct) => ClusterCommands.DrainAsync(result.GetValue(requiredConnection)!, result.GetValue(node)!, result.GetValue(undo), ct));

var paused = new Argument<string>("projection") { Description = "the paused projection to resume" };
var resume = new Command("resume", "Resume a projection paused on a poison event (after fixing the handler or the event)") { requiredConnection, paused };
resume.SetAction((result, ct) => ClusterCommands.ResumeAsync(result.GetValue(requiredConnection)!, result.GetValue(paused)!, ct));

var root = new RootCommand("ProjectionGen Orders sample") { demo, nodeCommand, append, verify, status, rebuild, switchBack, retire, drain, resume, connection };
root.SetAction((result, ct) => DemoCommand.RunAsync(result.GetValue(connection), ct));
return await root.Parse(args).InvokeAsync();
