using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The sample's processes under a runtime role set up from docs/operations.md's own grant blocks ("Least privilege"):
/// the schema step runs as the schema owner (the deployment's <c>append</c> with the owner's connection); then nodes,
/// appends, <c>verify</c>, <c>status</c>, the in-place rebuilds, drain and undrain and resume run as the runtime role, the
/// version actions (<c>rebuild --shadow</c>, <c>switch-back</c>, <c>retire</c>) as the schema owner while the runtime role's
/// nodes build and switch; and the runtime role is refused DDL, direct event writes and tables it was not granted.
/// </summary>
public sealed class OrdersLeastPrivilegeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_samples_nodes_appends_and_operations_run_as_a_runtime_role_with_the_documented_grants()
    {
        await using var database = await postgres.CreateDatabaseAsync("orders_leastpriv");
        var owner = database.ConnectionString;

        // The deployment's schema step, as the schema owner: the event store schema, the document tables, the ledger table.
        var (setupExit, setupOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", owner, "--streams", "2", "--events", "5", "--writers", "1");
        Assert.True(setupExit == 0, setupOutput);

        // The runtime role with the docs' runtime, append, operator and document-table grants, and the ledger's (a
        // declared table: SELECT, INSERT for its handlers; DELETE, TRUNCATE for a rebuild).
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);
        var documentTables = Block(guide, "document-table-grants");
        var runtime = await CreateRoleAsync(
            database,
            Block(guide, "runtime-grants") + Block(guide, "append-grants") + Block(guide, "operator-grants")
                + documentTables.Replace("doc_your_projection", "doc_order_summary", StringComparison.Ordinal)
                + documentTables.Replace("doc_your_projection", "doc_sku_sales", StringComparison.Ordinal)
                + "GRANT SELECT, INSERT, DELETE, TRUNCATE ON projectiongen.order_ledger TO projectiongen_runtime;");

        // Nodes and appends as the runtime role, the schema step left on (the schema is current: no DDL).
        await using var first = SampleApp.Start("node", "--connection", runtime, "--node", "lp-1");
        await using var second = SampleApp.Start("node", "--connection", runtime, "--node", "lp-2");
        var (appendExit, appendOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", runtime, "--streams", "40", "--events", "5", "--writers", "2");
        Assert.True(appendExit == 0, appendOutput);
        Assert.True(await SampleApp.VerifiesWithinAsync(runtime, TimeSpan.FromMinutes(2)), "verify (as the runtime role) never reported exactly-once:\n" + first.Output + second.Output);

        // The operator's actions as the runtime role.
        await RunAsync("projections", "rebuild", "--connection", runtime, "order_summary");
        await RunAsync("projections", "rebuild", "--connection", runtime, "order_ledger");
        await RunAsync("projections", "drain", "--connection", runtime, "lp-1");
        await RunAsync("projections", "undrain", "--connection", runtime, "lp-1");
        await RunAsync("projections", "resume", "--connection", runtime, "order_summary");
        await RunAsync("projections", "status", "--connection", runtime);

        // The version actions are the schema owner's (docs/operations.md): refused to the runtime role, run by the owner
        // while the runtime role's nodes build the shadow and switch readers.
        var (refusedExit, refusedOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "rebuild", "--connection", runtime, "--shadow", "order_ledger");
        Assert.NotEqual(0, refusedExit);
        Assert.Contains("42501", refusedOutput, StringComparison.Ordinal);
        foreach (var projection in new[] { "order_ledger", "order_summary" })
        {
            await RunAsync("projections", "rebuild", "--connection", owner, "--shadow", projection);
            await WaitForGenerationAsync(runtime, projection, "v1b", "live");
            await RunAsync("projections", "switch-back", "--connection", owner, projection, "v1");
            await WaitForGenerationAsync(runtime, projection, "v1", "live");
            await RunAsync("projections", "retire", "--connection", owner, projection, "v1b");
        }

        var (moreExit, moreOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", runtime, "--streams", "10", "--events", "4", "--writers", "1");
        Assert.True(moreExit == 0, moreOutput);
        Assert.True(await SampleApp.VerifiesWithinAsync(runtime, TimeSpan.FromMinutes(2)), "verify never reported exactly-once after the operations");

        var firstExit = await first.TerminateAsync(TimeSpan.FromSeconds(30));
        var secondExit = await second.TerminateAsync(TimeSpan.FromSeconds(30));
        var output = first.Output + second.Output;
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.DoesNotContain("permission denied", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("42501", output, StringComparison.Ordinal);
        Assert.DoesNotContain("dead-lettered", output, StringComparison.Ordinal);

        // The role is that narrow: no DDL, no direct event writes, no tables it was not granted.
        await using var restricted = new NpgsqlConnection(runtime);
        await restricted.OpenAsync(Ct);
        foreach (var ddl in new[] { "CREATE TABLE projectiongen.intruder (id int)", "CREATE SCHEMA intruder", "ALTER TABLE projectiongen.events ADD COLUMN intruder int", "DROP VIEW projectiongen.order_ledger" })
        {
            await AssertRefusedAsync(restricted, ddl, PostgresErrorCodes.InsufficientPrivilege);
        }

        await AssertRefusedAsync(restricted, "INSERT INTO projectiongen.events (seq, stream_id, version, type, data) VALUES (nextval('projectiongen.events_seq'), 'x', 1, 'order_placed', '{}')", "PGA01");
        foreach (var other in new[] { "UPDATE projectiongen.events SET data = '{}'", "DELETE FROM projectiongen.events", "DELETE FROM projectiongen.schema_version", "UPDATE projectiongen.projection_versions SET state = 'live'", "TRUNCATE projectiongen.progress" })
        {
            await AssertRefusedAsync(restricted, other, PostgresErrorCodes.InsufficientPrivilege);
        }
    }

    private static async Task RunAsync(params string[] arguments)
    {
        var (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), arguments);
        Assert.True(exit == 0, $"{arguments[0]} {arguments[^1]}: {output}");
    }

    private static async Task WaitForGenerationAsync(string connection, string projection, string generation, string state)
    {
        var seen = "";
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline; await Task.Delay(500, Ct))
        {
            var (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "status", "--connection", connection, "--json");
            var start = output.IndexOf('{', StringComparison.Ordinal);
            if (exit != 0 || start < 0)
            {
                continue;
            }

            using var json = JsonDocument.Parse(output[start..]);
            var versions = json.RootElement.GetProperty("versions").EnumerateArray()
                .Where(v => v.GetProperty("projection").GetString() == projection)
                .Select(v => (Generation: v.GetProperty("generation").GetString(), State: v.GetProperty("state").GetString())).ToList();
            seen = string.Join(", ", versions.Select(v => $"{v.Generation} {v.State}"));
            if (versions.Contains((generation, state)))
            {
                return;
            }
        }

        Assert.Fail($"{projection} {generation} never became {state}: {seen}");
    }

    private static async Task AssertRefusedAsync(NpgsqlConnection connection, string sql, string sqlState)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
        Assert.True(refused.SqlState == sqlState, $"{sql}: {refused.SqlState} {refused.MessageText}");
    }

    /// <summary>A fresh login role holding <paramref name="grants"/> (the docs' statements, names replaced); returns its connection string.</summary>
    private static async Task<string> CreateRoleAsync(ProjectionGen.Testing.TestDatabase database, string grants)
    {
        var role = "rt_" + Guid.NewGuid().ToString("N")[..10];
        var password = Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'", admin);
            await create.ExecuteNonQueryAsync(Ct);
            await using var grant = new NpgsqlCommand(grants
                .Replace("projectiongen_runtime", role, StringComparison.Ordinal)
                .Replace("your_database", "\"" + database.Name + "\"", StringComparison.Ordinal), admin);
            await grant.ExecuteNonQueryAsync(Ct);
        }

        return new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role, Password = password }.ConnectionString;
    }

    private static string Block(string guide, string marker)
    {
        var match = Regex.Match(guide, $"<!-- {marker}:begin -->\\s*```sql\\s*(?<sql>.*?)```\\s*<!-- {marker}:end -->", RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/operations.md has no {marker} block");
        return match.Groups["sql"].Value;
    }
}
