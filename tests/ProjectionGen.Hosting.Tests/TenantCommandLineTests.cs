using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ProjectionGen.CommandLine;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Tenancy;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Operations per tenant on the command line (docs/operations.md, "Command line"; docs/tenancy.md, "Databases per
/// tenant"): <c>--tenant</c> runs a command against that tenant's own database, in a host (its registered tenant
/// source) and in the tool (the master table of <c>--connection</c>); <c>status --all-tenants</c> shows every tenant
/// database with a tenant column, a database that is down as an error row (exit 4); an unknown tenant is one line that
/// names it; no connection string or password is printed.
/// </summary>
public sealed class TenantCommandLineTests(PostgresFixture postgres)
{
    private const string Password = "s3cret-Tenant-Never-Printed";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tenant_and_all_tenants_reach_each_tenant_database_from_the_host_and_the_tool_without_printing_a_secret()
    {
        await using var master = await postgres.CreateDatabaseAsync("clt_master");
        await using var first = await postgres.CreateDatabaseAsync("clt_t1");
        await using var second = await postgres.CreateDatabaseAsync("clt_t2");
        await using var masterBed = await DaemonTestBed.CreateAsync(master.ConnectionString);
        await using var firstBed = await DaemonTestBed.CreateAsync(first.ConnectionString);
        await using var secondBed = await DaemonTestBed.CreateAsync(second.ConnectionString);
        await masterBed.AppendAsync(10, seed: 1);
        await firstBed.AppendAsync(40, seed: 2);
        await secondBed.AppendAsync(70, seed: 3);
        await using var masterSource = NpgsqlDataSource.Create(master.ConnectionString);
        await InsertRowAsync(masterSource, "t1", first.ConnectionString);
        await InsertRowAsync(masterSource, "t2", second.ConnectionString);

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddProjectionGen(o =>
            {
                o.Daemon.ConnectionString = master.ConnectionString;
                o.Daemon.NodeName = "clt-node";
                o.Daemon.AcquireInterval = TimeSpan.FromMilliseconds(300);
                o.Daemon.PollInterval = TimeSpan.FromMilliseconds(200);
            })
            .AddProjections(DaemonTestBed.StandardProjections())
            .AddEventType<Projections.Deposited>()
            .AddEventType<Projections.Withdrawn>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)
            .AddTenantDatabases(o => o.TenantPollInterval = TimeSpan.FromMilliseconds(300), _ => new MasterTableTenantSource(masterSource));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        try
        {
            foreach (var service in hosted)
            {
                await service.StartAsync(Ct);
            }

            await firstBed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            await secondBed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            var firstHead = await firstBed.Store.ReadSafeHighWaterMarkAsync(Ct);
            var secondHead = await secondBed.Store.ReadSafeHighWaterMarkAsync(Ct);
            Assert.NotEqual(firstHead, secondHead);

            // --tenant: the tenant's own slots (its head, not the master's nor the other tenant's).
            var (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--tenant", "t2", "--json");
            Assert.True(exit == 0, output);
            Assert.All(JsonDocument.Parse(output).RootElement.GetProperty("projections").EnumerateArray(), p => Assert.Equal(secondHead, p.GetProperty("position").GetInt64()));
            (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--tenant", "t1");
            Assert.True(exit == 0, output);
            Assert.Contains("clt-node", output, StringComparison.Ordinal);

            // A rebuild of one tenant's projection fences that tenant's owner only and waits for its catch-up.
            var before = (await firstBed.ReadOwnershipAsync("ledger")).Epoch;
            var otherBefore = (await secondBed.ReadOwnershipAsync("ledger")).Epoch;
            var masterBefore = (await masterBed.ReadOwnershipAsync("ledger")).Epoch;
            (exit, output) = await HostCommands.ProjectionsAsync(provider, "rebuild", "ledger", "--tenant", "t1", "--timeout", "120s");
            Assert.True(exit == 0, output);
            Assert.Matches(@"Caught up at position \d+\.\s*$", output);
            Assert.True((await firstBed.ReadOwnershipAsync("ledger")).Epoch > before);
            Assert.Equal(otherBefore, (await secondBed.ReadOwnershipAsync("ledger")).Epoch);
            Assert.Equal(masterBefore, (await masterBed.ReadOwnershipAsync("ledger")).Epoch);
            await firstBed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            Assert.Empty(await firstBed.VerifyExactlyOnceAsync());

            foreach (var args in new[]
            {
                new[] { "history", "--tenant", "t1", "--json" },
                ["resume", "ledger", "--tenant", "t2"],
                ["dead-letters", "list", "--tenant", "t2"],
                ["drain", "clt-node", "--tenant", "t2"],
                ["undrain", "clt-node", "--tenant", "t2"],
            })
            {
                (exit, output) = await HostCommands.ProjectionsAsync(provider, args);
                Assert.True(exit == 0, string.Join(' ', args) + ": " + output);
            }

            (exit, output) = await HostCommands.ProjectionsAsync(provider, "history", "--tenant", "t1", "--json");
            Assert.Contains(JsonDocument.Parse(output).RootElement.EnumerateArray(), e => e.GetProperty("kind").GetString() == ProjectionGen.Operations.ProjectionHistoryKinds.Rebuilt);
            (exit, output) = await HostCommands.RunAsync(provider, ["db", "assert", "--tenant", "t2"]);
            Assert.True(exit == 0, output);

            // An unknown tenant: exit 1, one line naming it; an invalid id or --tenant with --all-tenants: usage.
            (exit, output) = await HostCommands.ProjectionsAsync(provider, "resume", "ledger", "--tenant", "nope");
            Assert.Equal(ProjectionGenExitCodes.Failed, exit);
            Assert.Equal("error: unknown tenant 'nope': no database of that tenant in the host's tenant source (see status --all-tenants)", output.Trim());
            (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--tenant", " padded");
            Assert.True(exit == ProjectionGenExitCodes.Usage, output);
            (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--tenant", "t1", "--all-tenants");
            Assert.True(exit == ProjectionGenExitCodes.Usage, output);

            // --all-tenants: a tenant column, every tenant's slots.
            (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--all-tenants");
            Assert.True(exit == 0, output);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.StartsWith("TENANT", lines[0], StringComparison.Ordinal);
            Assert.Equal(2, lines.Count(l => l.StartsWith("t1 ", StringComparison.Ordinal)));
            Assert.Equal(2, lines.Count(l => l.StartsWith("t2 ", StringComparison.Ordinal)));

            // A tenant database that is down: an error row with a safe text, the others shown, exit 4; never its password.
            var down = new NpgsqlConnectionStringBuilder(first.ConnectionString) { Host = "127.0.0.1", Port = ClosedPort(), Password = Password, Timeout = 2 }.ConnectionString;
            await InsertRowAsync(masterSource, "t3", down);
            (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--all-tenants");
            Assert.True(exit == ProjectionGenExitCodes.SomeFailed, output);
            lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(2, lines.Count(l => l.StartsWith("t1 ", StringComparison.Ordinal)));
            Assert.Contains(lines, l => l.StartsWith("t3 ", StringComparison.Ordinal) && l.Contains("error: ", StringComparison.Ordinal));
            Assert.Contains("1 of 3 tenant databases could not be read.", output, StringComparison.Ordinal);
            AssertNoSecret(output, first.ConnectionString, down);

            (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--all-tenants", "--json");
            Assert.True(exit == ProjectionGenExitCodes.SomeFailed, output);
            var json = JsonDocument.Parse(output).RootElement;
            Assert.Equal(["t1", "t1", "t2", "t2"], json.GetProperty("projections").EnumerateArray().Select(p => p.GetProperty("tenant").GetString()));
            var t3 = json.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("tenant").GetString() == "t3");
            Assert.False(t3.GetProperty("ok").GetBoolean());
            Assert.False(string.IsNullOrEmpty(t3.GetProperty("error").GetString()));
            AssertNoSecret(output, first.ConnectionString, down);

            (exit, output) = await HostCommands.ProjectionsAsync(provider, "status", "--tenant", "t3", "--verbose");
            Assert.Equal(ProjectionGenExitCodes.Failed, exit);
            AssertNoSecret(output, first.ConnectionString, down);

            // The tool: --tenant and --all-tenants through the master table of --connection.
            (exit, output) = await ToolAsync("status", "--tenant", "t2", "--json", "--connection", master.ConnectionString);
            Assert.True(exit == 0, output);
            Assert.All(JsonDocument.Parse(output).RootElement.GetProperty("projections").EnumerateArray(), p => Assert.Equal(secondHead, p.GetProperty("position").GetInt64()));
            (exit, output) = await ToolAsync("dead-letters", "list", "--tenant", "t1", "--connection", master.ConnectionString);
            Assert.True(exit == 0, output);
            (exit, output) = await ToolAsync("status", "--all-tenants", "--connection", master.ConnectionString);
            Assert.True(exit == ProjectionGenExitCodes.SomeFailed, output);
            Assert.Contains(output.Split('\n'), l => l.StartsWith("t2 ", StringComparison.Ordinal));
            AssertNoSecret(output, first.ConnectionString, down);
            (exit, output) = await ToolAsync("resume", "ledger", "--tenant", "nope", "--connection", master.ConnectionString);
            Assert.Equal(ProjectionGenExitCodes.Failed, exit);
            Assert.Equal("error: unknown tenant 'nope': no database of that tenant in the master table projectiongen.tenant_databases (see status --all-tenants)", output.Trim());
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted))
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task Tenant_is_refused_as_usage_where_there_are_no_tenant_databases_and_on_a_conjoined_store()
    {
        // Refused before any database is asked: these hosts' databases do not exist.
        const string nowhere = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=" + Password;
        await using var conjoined = HostedNode.Create(nowhere, "cj", o => o.EventStore.Tenancy = TenancyStyle.Conjoined);
        var (exit, output) = await HostCommands.ProjectionsAsync(conjoined.Host.Services, "dead-letters", "list", "--tenant", "acme");
        Assert.True(exit == ProjectionGenExitCodes.Usage, output);
        Assert.Contains("conjoined", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        await using var single = HostedNode.Create(nowhere, "sg");
        foreach (var args in new[] { new[] { "status", "--all-tenants" }, ["resume", "ledger", "--tenant", "acme"] })
        {
            (exit, output) = await HostCommands.ProjectionsAsync(single.Host.Services, args);
            Assert.True(exit == ProjectionGenExitCodes.Usage, output);
            Assert.Contains("needs databases per tenant", output, StringComparison.Ordinal);
        }
    }

    private static void AssertNoSecret(string output, params string[] connectionStrings)
    {
        foreach (var connectionString in connectionStrings)
        {
            var password = new NpgsqlConnectionStringBuilder(connectionString).Password;
            Assert.False(string.IsNullOrEmpty(password), "the test servers use passwords");
            Assert.DoesNotContain(password!, output, StringComparison.Ordinal);
            Assert.DoesNotContain(connectionString, output, StringComparison.Ordinal);
        }
    }

    private static async Task InsertRowAsync(NpgsqlDataSource master, string tenant, string connectionString)
    {
        await using var command = master.CreateCommand("INSERT INTO projectiongen.tenant_databases (tenant_id, connection_string) VALUES ($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = connectionString });
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int ExitCode, string Output)> ToolAsync(params string[] args)
    {
        var output = new StringWriter();
        var exit = await ProjectionGenCommands.InvokeAsync(ProjectionGenCommands.CreateToolRootCommand(), args, output, output, cancellationToken: Ct);
        return (exit, output.ToString());
    }
}
