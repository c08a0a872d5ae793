using System.Text.RegularExpressions;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Operations;
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

        // The schema owner (here the superuser) installs everything; the runtime role creates nothing.
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), HostedNode.Projections(), Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);

        // The application's own read model, as the guide says: what its handlers do.
        var runtime = await CreateRoleAsync(
            database,
            Block(guide, "runtime-grants") + Block(guide, "document-table-grants").Replace("doc_your_projection", "doc_account_balance", StringComparison.Ordinal),
            "GRANT SELECT, INSERT ON ledger, fragile_ledger TO {role}");
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

    [Fact]
    public async Task The_runtime_role_cannot_register_a_fake_generation_to_have_a_table_it_may_not_write_renamed_behind_a_view()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastpriv_fake_generation");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), HostedNode.Projections(), Ct);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);

        // An application table in the event store's schema that no projection declares and the runtime role may read only.
        var runtime = await CreateRoleAsync(
            database,
            Block(guide, "runtime-grants"),
            "CREATE TABLE projectiongen.customers (id int PRIMARY KEY); GRANT SELECT ON projectiongen.customers TO {role}");
        var key = Locking.AdvisoryLockKey.ForSlotRegistration("projectiongen", "evil").Value;
        await using (var restricted = new NpgsqlConnection(runtime))
        {
            await restricted.OpenAsync(Ct);

            // A generation whose copy is customers_v1, written into the table directly, then prepared: the table would
            // become customers_v1 behind a view named customers.
            var direct = await Assert.ThrowsAnyAsync<PostgresException>(() => ExecuteAsync(restricted,
                "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('evil', 'v1', 1, 'evil', 'customers_v1', 'live');"
                + $"SELECT projectiongen.prepare_event_tables('evil', 'v1', ARRAY['customers'], {key})"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, direct.SqlState);
            Assert.Equal("r", await RelationKindAsync(restricted, "projectiongen.customers"));

            // The same through the registration function: refused, since the role may not write the table it would claim.
            var registered = await Assert.ThrowsAnyAsync<PostgresException>(() => ExecuteAsync(restricted,
                $"SELECT * FROM projectiongen.register_version('evil', 'v1', 1, 'evil', 'customers_v1', 1, 'doc_evil', {key});"
                + $"SELECT projectiongen.prepare_event_tables('evil', 'v1', ARRAY['customers'], {key})"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, registered.SqlState);
            Assert.Equal("r", await RelationKindAsync(restricted, "projectiongen.customers"));

            // Neither does a malformed registration get in: a slot key that is not the generation's.
            var malformed = await Assert.ThrowsAnyAsync<PostgresException>(() => ExecuteAsync(restricted,
                $"SELECT * FROM projectiongen.register_version('evil', 'v2', 2, 'evil', 'doc_evil_v2', 1, 'doc_evil', {key})"));
            Assert.Equal("22023", malformed.SqlState);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM projectiongen.projection_versions WHERE projection = 'evil'", restricted);
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync(Ct))!);
        }
    }

    private static async Task<string?> RelationKindAsync(NpgsqlConnection connection, string relation)
    {
        await using var command = new NpgsqlCommand("SELECT c.relkind::text FROM pg_class c WHERE c.oid = to_regclass($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = relation });
        return await command.ExecuteScalarAsync(Ct) as string;
    }

    /// <summary>
    /// The runtime role with the documented runtime, document-table, append and operator grants starts a node with the
    /// schema step left on (the default) and appends through a store that applies the schema: with the schema current,
    /// nothing needs a DDL privilege. It rebuilds in place with the operator grants. And it is refused DDL, direct event
    /// writes and the tables it was not granted, each tried.
    /// </summary>
    [Fact]
    public async Task A_runtime_role_whose_schema_is_current_starts_appends_and_rebuilds_with_the_documented_grants_only()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastcur");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), HostedNode.Projections(), Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);
        var runtime = await CreateRoleAsync(
            database,
            Block(guide, "runtime-grants") + Block(guide, "append-grants") + Block(guide, "operator-grants")
                + Block(guide, "document-table-grants").Replace("doc_your_projection", "doc_account_balance", StringComparison.Ordinal),
            "GRANT SELECT, INSERT, DELETE ON ledger, fragile_ledger TO {role}");

        // The schema step on (the default): the schema is current, so the role needs no DDL privilege for it.
        var node = "lpc-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(runtime, node);
        await host.StartAsync();

        // An appender under the same role applies the schema (finding it current) and appends.
        await using (var source = NpgsqlDataSource.Create(runtime))
        {
            var appender = new PostgresEventStore(source, new EventStoreOptions(), DaemonTestBed.Registry());
            await appender.ApplySchemaAsync(Ct);
            for (var i = 0; i < 20; i++)
            {
                await appender.AppendAsync("acct-lp-" + (i % 3), [new Projections.Deposited("acct-lp-" + (i % 3), i + 1)], ExpectedVersion.Any, cancellationToken: Ct);
            }
        }

        await ReadModels.WaitForCatchUpAsync(host.Status);

        // Rebuilds in place, as the runtime role (an operator's action): the ledger (its reset) and the balances (documents).
        foreach (var projection in new[] { "ledger", "account_balance" })
        {
            var (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "rebuild", projection, "--no-wait");
            Assert.True(exit == 0, $"rebuild {projection}: {output}");
        }

        await bed.AppendAsync(10, seed: 9);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.DoesNotContain(host.Logs.Lines, l => l.Message.Contains("permission denied", StringComparison.OrdinalIgnoreCase)
            || (l.Exception ?? "").Contains("42501", StringComparison.Ordinal));

        await using var restricted = new NpgsqlConnection(runtime);
        await restricted.OpenAsync(Ct);
        foreach (var ddl in new[] { "CREATE TABLE projectiongen.intruder (id int)", "CREATE SCHEMA intruder", "ALTER TABLE projectiongen.events ADD COLUMN intruder int", "DROP TABLE projectiongen.progress" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(restricted, ddl));
            Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{ddl}: {refused.SqlState} {refused.MessageText}");
        }

        // A direct event write: INSERT is granted for append_events, the trigger refuses any other.
        var direct = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(restricted,
            "INSERT INTO projectiongen.events (seq, stream_id, version, type, data) VALUES (nextval('projectiongen.events_seq'), 'x', 1, 'deposited', '{}')"));
        Assert.Equal("PGA01", direct.SqlState);
        foreach (var other in new[] { "UPDATE projectiongen.events SET data = '{}'", "DELETE FROM projectiongen.events", "DELETE FROM projectiongen.schema_version", "TRUNCATE projectiongen.progress", "DELETE FROM projectiongen.projection_versions" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(restricted, other));
            Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{other}: {refused.SqlState} {refused.MessageText}");
        }
    }

    /// <summary>A role that may not migrate, facing a migration that is due, is told which role and option to use.</summary>
    [Fact]
    public async Task A_runtime_role_facing_a_due_migration_is_told_to_apply_it_as_the_migration_role()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastdue");
        var runtime = await CreateRoleAsync(database, "GRANT CONNECT ON DATABASE your_database TO projectiongen_runtime;");
        await using var source = NpgsqlDataSource.Create(runtime);
        var store = new PostgresEventStore(source, new EventStoreOptions(), DaemonTestBed.Registry());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ApplySchemaAsync(Ct));
        Assert.Contains("SchemaConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("ProjectionSchemaInstaller", error.Message, StringComparison.Ordinal);
        Assert.Contains("42501", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(runtime).Password!, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The schema installer run by the runtime role with everything in place (a sharded projection's index too) creates nothing.</summary>
    [Fact]
    public async Task The_schema_installer_run_as_the_runtime_role_with_everything_in_place_needs_no_ddl_privilege()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastinst");
        IGeneratedProjection[] projections = [new Projections.ShardedLedgerProjection(), new Projections.AccountBalanceProjection()];
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), projections, Ct);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);
        var runtime = await CreateRoleAsync(database, Block(guide, "runtime-grants")
            + Block(guide, "document-table-grants").Replace("doc_your_projection", "doc_account_balance", StringComparison.Ordinal));
        Assert.Equal(1, await ProjectionSchemaInstaller.ApplyAsync(runtime, new EventStoreOptions(), projections, Ct));
    }

    /// <summary>A fresh login role holding <paramref name="grants"/> (the docs' statements, names replaced) and <paramref name="extra"/>; returns its connection string.</summary>
    private static async Task<string> CreateRoleAsync(ProjectionGen.Testing.TestDatabase database, string grants, string extra = "")
    {
        var role = "rt_" + Guid.NewGuid().ToString("N")[..10];
        var password = Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'");
            await ExecuteAsync(admin, grants
                .Replace("projectiongen_runtime", role, StringComparison.Ordinal)
                .Replace("your_database", "\"" + database.Name + "\"", StringComparison.Ordinal));
            if (extra.Length > 0)
            {
                await ExecuteAsync(admin, extra.Replace("{role}", role, StringComparison.Ordinal));
            }
        }

        return new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role, Password = password }.ConnectionString;
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
