using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The sample's tenant modes as a user runs them (docs/tenancy.md, "The sample's tenants"): a conjoined master database
/// with two tenants and four tenant databases of its master table, over two node processes; verify checks each tenant.
/// </summary>
public sealed class OrdersTenantsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Two_nodes_project_conjoined_tenants_and_tenant_databases_and_verify_checks_each_tenant()
    {
        await using var master = await postgres.CreateDatabaseAsync("orders_master");
        var tenantDatabases = new List<ProjectionGen.Testing.TestDatabase>();
        try
        {
            var (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", master.ConnectionString, "--tenant", "acme", "--tenant", "globex", "--streams", "10", "--events", "4");
            Assert.True(exit == 0, output);
            for (var i = 0; i < 4; i++)
            {
                tenantDatabases.Add(await postgres.CreateDatabaseAsync("orders_tenant"));
                (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "tenants", "add", $"t{i}", "--tenant-connection", tenantDatabases[i].ConnectionString, "--connection", master.ConnectionString);
                Assert.True(exit == 0, output);
            }

            (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", master.ConnectionString, "--all-tenant-databases", "--streams", "10", "--events", "4");
            Assert.True(exit == 0, output);
            await using var first = SampleApp.Start("node", "--connection", master.ConnectionString, "--node", "tn-1", "--tenancy", "conjoined", "--tenant-databases", "--tenant-settle-delay", "3");
            await using var second = SampleApp.Start("node", "--connection", master.ConnectionString, "--node", "tn-2", "--tenancy", "conjoined", "--tenant-databases", "--tenant-settle-delay", "3");
            (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", master.ConnectionString, "--tenant", "acme", "--tenant-database", "t1", "--streams", "5", "--events", "3");
            Assert.True(exit == 0, output);

            var verified = false;
            for (var deadline = DateTime.UtcNow.AddMinutes(2); DateTime.UtcNow < deadline && !verified; await Task.Delay(500, TestContext.Current.CancellationToken))
            {
                (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "verify", "--connection", master.ConnectionString, "--tenancy", "conjoined", "--all-tenants");
                verified = exit == 0;
            }

            var firstExit = await first.TerminateAsync(TimeSpan.FromSeconds(30));
            var secondExit = await second.TerminateAsync(TimeSpan.FromSeconds(30));
            TestContext.Current.TestOutputHelper?.WriteLine($"node tn-1 (exit {firstExit}):\n{first.Output}\nnode tn-2 (exit {secondExit}):\n{second.Output}");
            Assert.True(verified, output);
            Assert.Contains("tenant acme (conjoined): exactly-once verified", output, StringComparison.Ordinal);
            Assert.Contains("tenant globex (conjoined): exactly-once verified", output, StringComparison.Ordinal);
            Assert.All(Enumerable.Range(0, 4), i => Assert.Contains($"tenant t{i} (database): exactly-once verified", output, StringComparison.Ordinal));
            Assert.Contains("exactly-once verified for all 6 tenants", output, StringComparison.Ordinal);
            Assert.Equal(0, firstExit);
            Assert.Equal(0, secondExit);

            (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "tenants", "remove", "t3", "--connection", master.ConnectionString);
            Assert.True(exit == 0, output);
            (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "tenants", "list", "--connection", master.ConnectionString);
            Assert.Equal("t0\nt1\nt2", output.Trim().ReplaceLineEndings("\n"));
            Assert.DoesNotContain("Password", output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            foreach (var database in tenantDatabases)
            {
                await database.DisposeAsync();
            }
        }
    }
}
