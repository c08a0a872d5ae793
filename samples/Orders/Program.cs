using System.CommandLine;
using Orders.Commands;
using Orders.Infrastructure;
using ProjectionGen.CommandLine;
using ProjectionGen.EventStore;

var connection = new Option<string?>("--connection") { Description = "Npgsql connection string of an existing database (default for demo: an ephemeral server)" };
var requiredConnection = new Option<string>("--connection") { Description = "Npgsql connection string", Required = true };
var node = new Option<string>("--node") { Description = "this node's name", Required = true };
var streams = new Option<int>("--streams") { Description = "order streams", DefaultValueFactory = _ => 100 };
var events = new Option<int>("--events") { Description = "events per stream", DefaultValueFactory = _ => 10 };
var writers = new Option<int>("--writers") { Description = "concurrent writers", DefaultValueFactory = _ => 4 };
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

// The operator's commands come from ProjectionGen.CommandLine (docs/operations.md, "Command line"): projections
// (status, rebuild, switch-back, retire, drain, undrain, resume, history, dead-letters), db and events, over this
// sample's store and projections. --connection (and --schema-connection for db apply) may stand anywhere after them.
var operatorConnection = new Option<string>("--connection") { Description = "Npgsql connection string", Required = true, Recursive = true };
var operatorSchemaConnection = new Option<string?>("--schema-connection") { Description = "the schema owner's connection string for db apply; default: --connection", Recursive = true };
ProjectionGenCommandTargetFactory openSample = async (result, ct) =>
{
    var connectionString = result.GetValue(operatorConnection)!;
    var database = await OrdersDatabase.OpenAsync(connectionString, applySchema: false, ct);
    return new ProjectionGenCommandTarget(database.Store, new EventStoreOptions(), OrdersDatabase.Projections(), result.GetValue(operatorSchemaConnection) ?? connectionString, owned: database);
};
var projections = ProjectionGenCommands.CreateProjectionsCommand(openSample);
var db = ProjectionGenCommands.CreateDatabaseCommand(openSample);
var eventsCommand = ProjectionGenCommands.CreateEventsCommand(openSample);
foreach (var group in new[] { projections, db, eventsCommand })
{
    group.Add(operatorConnection);
    group.Add(operatorSchemaConnection);
}

var root = new RootCommand("ProjectionGen Orders sample") { demo, nodeCommand, append, verify, projections, db, eventsCommand, connection };
root.SetAction((result, ct) => DemoCommand.RunAsync(result.GetValue(connection), ct));
return await ProjectionGenCommands.InvokeAsync(root, args, commandName: "Orders");
