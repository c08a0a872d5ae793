using System.Text.RegularExpressions;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>A node under a fresh role holding exactly the GRANTs of docs/operations.md: it projects and survives a lock loss.</summary>
public sealed partial class LeastPrivilegeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_role_with_only_the_documented_grants_projects_and_survives_a_lock_loss()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastpriv");
        var role = "rt_" + Guid.NewGuid().ToString("N")[..10];
        var password = Guid.NewGuid().ToString("N");

        // The schema owner (here the superuser) installs everything; the runtime role creates nothing.
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), HostedNode.Projections(), Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);
        var grants = Block(guide, "runtime-grants") + Block(guide, "document-table-grants").Replace("doc_your_projection", "doc_account_balance", StringComparison.Ordinal);
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'");
            await ExecuteAsync(admin, grants
                .Replace("projectiongen_runtime", role, StringComparison.Ordinal)
                .Replace("your_database", "\"" + database.Name + "\"", StringComparison.Ordinal));

            // The application's own read model, as the guide says: what its handlers do.
            await ExecuteAsync(admin, $"GRANT SELECT, INSERT ON ledger, fragile_ledger TO {role}");
        }

        var runtime = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role, Password = password }.ConnectionString;
        var node = "lp-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(runtime, node, options => options.ApplySchemaOnStartup = false);
        await host.StartAsync();

        // Events are appended by another role (the test bed's): the node's role does not need to append.
        await bed.AppendAsync(50, seed: 4);
        var before = await ReadModels.WaitForCatchUpAsync(host.Status);
        Assert.All(before, s => Assert.Equal(node, s.Owner));

        Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(node), Ct));
        await bed.AppendAsync(30, seed: 5);
        var epochs = before.ToDictionary(s => s.Projection, s => s.Epoch + 1);
        await ReadModels.WaitForCatchUpAsync(host.Status, epochs);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());

        // The loss was recorded by the runtime role, and nothing the node did was refused for lack of a privilege.
        Assert.DoesNotContain(host.Logs.Lines, l => l.Message.Contains("permission denied", StringComparison.OrdinalIgnoreCase)
            || (l.Exception ?? "").Contains("42501", StringComparison.Ordinal));
        // And the role really is that narrow: it can neither create in the schema nor change events.
        await using (var restricted = new NpgsqlConnection(runtime))
        {
            await restricted.OpenAsync(Ct);
            var create = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(restricted, "CREATE TABLE projectiongen.intruder (id int)"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, create.SqlState);
            var delete = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(restricted, "DELETE FROM projectiongen.events"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, delete.SqlState);
        }
    }

    private static string Block(string guide, string marker)
    {
        var match = Regex.Match(guide, $"<!-- {marker}:begin -->\\s*```sql\\s*(?<sql>.*?)```\\s*<!-- {marker}:end -->", RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/operations.md has no {marker} block");
        return match.Groups["sql"].Value;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
