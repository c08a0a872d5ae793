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

var tenancy = new Option<string>("--tenancy") { Description = "none, or conjoined: the database keeps many tenants (a stream and a document are per tenant)", DefaultValueFactory = _ => "none" };
tenancy.AcceptOnlyFromAmong("none", "conjoined");
var tenantDatabases = new Option<bool>("--tenant-databases") { Description = "also run the tenant databases listed in the master table of --connection, balanced over the live nodes" };
var maxTenantDatabases = new Option<int?>("--max-tenant-databases") { Description = "the most tenant databases one node runs (the same on every node); default no limit" };
var settleDelay = new Option<double?>("--tenant-settle-delay") { Description = "seconds to wait after the start before running any tenant database, so that nodes started together all join first (not when joining nodes already running)" };
var tenant = new Option<string[]>("--tenant") { Description = "append to this tenant of the conjoined store of --connection (repeatable)", AllowMultipleArgumentsPerToken = false };
var tenantDatabase = new Option<string[]>("--tenant-database") { Description = "append to this tenant database of the master table of --connection (repeatable)" };
var allTenantDatabases = new Option<bool>("--all-tenant-databases") { Description = "append to every tenant database of the master table of --connection" };
var allTenants = new Option<bool>("--all-tenants") { Description = "also verify each tenant database listed in the master table of --connection" };
var tenantIds = new Argument<string[]>("tenant") { Description = "tenant ids", Arity = ArgumentArity.OneOrMore };
var tenantConnection = new Option<string>("--tenant-connection") { Description = "the tenant database's connection string; {tenant} is replaced by each tenant id", Required = true };

var demo = new Command("demo", "The main job: three nodes, PostgreSQL restarted and crashed under them, exactly-once verified") { connection };
demo.SetAction((result, ct) => DemoCommand.RunAsync(result.GetValue(connection), ct));

var nodeCommand = new Command("node", "Run one daemon node until SIGINT/SIGTERM") { requiredConnection, node, dashboardPort, lockConnection, schemaConnection, noPrepare, tenancy, tenantDatabases, maxTenantDatabases, settleDelay };
nodeCommand.SetAction((result, ct) => NodeCommand.RunAsync(
    result.GetValue(requiredConnection)!, result.GetValue(node)!, result.GetValue(dashboardPort), ct, result.GetValue(lockConnection), result.GetValue(schemaConnection), result.GetValue(noPrepare),
    new NodeTenancy(result.GetValue(tenancy) == "conjoined", result.GetValue(tenantDatabases), result.GetValue(maxTenantDatabases), result.GetValue(settleDelay) is { } seconds ? TimeSpan.FromSeconds(seconds) : null)));

var append = new Command("append", "Append whole orders") { requiredConnection, streams, events, writers, schemaConnection, noPrepare, tenant, tenantDatabase, allTenantDatabases };
append.SetAction((result, ct) => AppendCommand.RunAsync(
    result.GetValue(requiredConnection)!, result.GetValue(streams), result.GetValue(events), result.GetValue(writers), ct, result.GetValue(schemaConnection), result.GetValue(noPrepare),
    result.GetValue(tenant), result.GetValue(tenantDatabase), result.GetValue(allTenantDatabases)));

var verify = new Command("verify", "Exit 0 if and only if every read model equals the fold of all committed events") { requiredConnection, tenancy, allTenants };
verify.SetAction((result, ct) => VerifyCommand.RunAsync(result.GetValue(requiredConnection)!, ct, result.GetValue(tenancy) == "conjoined", result.GetValue(allTenants)));

var tenantsAdd = new Command("add", "Prepare tenant databases (schema, read model tables) and list them in the master table") { tenantIds, tenantConnection, requiredConnection };
tenantsAdd.SetAction((result, ct) => TenantsCommand.AddAsync(result.GetValue(requiredConnection)!, result.GetValue(tenantIds)!, result.GetValue(tenantConnection)!, ct));
var tenantsRemove = new Command("remove", "Delete tenant databases' rows from the master table (the nodes stop them)") { tenantIds, requiredConnection };
tenantsRemove.SetAction((result, ct) => TenantsCommand.RemoveAsync(result.GetValue(requiredConnection)!, result.GetValue(tenantIds)!, ct));
var tenantsList = new Command("list", "Print the tenant ids of the master table") { requiredConnection };
tenantsList.SetAction((result, ct) => TenantsCommand.ListAsync(result.GetValue(requiredConnection)!, ct));
var tenants = new Command("tenants", "The tenant databases of the master table of --connection") { tenantsAdd, tenantsRemove, tenantsList };

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

var root = new RootCommand("ProjectionGen Orders sample") { demo, nodeCommand, append, verify, tenants, projections, db, eventsCommand, connection };
root.SetAction((result, ct) => DemoCommand.RunAsync(result.GetValue(connection), ct));
return await ProjectionGenCommands.InvokeAsync(root, args, commandName: "Orders");
