using System.Globalization;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Testing;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// <see cref="ProjectionSchemaInstaller.ScriptAsync"/> and <see cref="ProjectionSchemaInstaller.CheckAsync"/>
/// (docs/operations.md, "Upgrading the schema"): a script run through psql makes exactly the schema that
/// <see cref="ProjectionSchemaInstaller.ApplyAsync"/> makes (compared with pg_dump and the schema_version rows), a stale
/// script is refused by its guard, and the check reports what differs without changing anything.
/// </summary>
public sealed class SchemaScriptTests(PostgresFixture postgres)
{
    private const string Schema = "projectiongen";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int Latest => EventStoreSchema.LatestVersion;

    /// <summary>An aggregate projection (a document table) and a four-shard one (a document table and a shard read index).</summary>
    private static IGeneratedProjection[] Projections() => [new AccountBalanceProjection(), new ShardedBalanceProjection()];

    [Fact]
    public async Task A_script_run_through_psql_on_an_empty_database_makes_the_schema_that_ApplyAsync_makes()
    {
        RequireClientTools();
        await using var scripted = await postgres.CreateDatabaseAsync("script_empty_a");
        await using var applied = await postgres.CreateDatabaseAsync("script_empty_b");

        var script = await ProjectionSchemaInstaller.ScriptAsync(scripted.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        Assert.False(await SchemaExistsAsync(scripted), "making the script must not create anything");
        AssertNoConnectionDetails(script, scripted.ConnectionString);
        Assert.StartsWith("-- ", script, StringComparison.Ordinal);
        Assert.Contains("BEGIN;", script, StringComparison.Ordinal);
        Assert.Contains("COMMIT;", script, StringComparison.Ordinal);
        Assert.Contains("pg_advisory_xact_lock(", script, StringComparison.Ordinal);
        for (var version = 1; version <= Latest; version++)
        {
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"-- migration {version}: "), script, StringComparison.Ordinal);
        }

        var (exitCode, output) = await PostgresClientTools.RunScriptAsync(scripted.ConnectionString, script, Ct);
        Assert.True(exitCode == 0, $"psql exited with {exitCode}: {output}");
        await ProjectionSchemaInstaller.ApplyAsync(applied.ConnectionString, new EventStoreOptions(), Projections(), Ct);

        await AssertSameSchemaAsync(scripted, applied);
        Assert.True((await ProjectionSchemaInstaller.CheckAsync(scripted.ConnectionString, new EventStoreOptions(), Projections(), Ct)).IsCurrent);

        // Nothing is due any more: the script is only a comment.
        var nothing = await ProjectionSchemaInstaller.ScriptAsync(scripted.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        Assert.All(nothing.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("-- ", line, StringComparison.Ordinal));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"current (version {Latest})"), nothing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_script_for_a_schema_one_migration_behind_runs_only_the_last_migration_and_makes_what_ApplyAsync_makes()
    {
        RequireClientTools();
        await using var scripted = await postgres.CreateDatabaseAsync("script_behind_a");
        await using var applied = await postgres.CreateDatabaseAsync("script_behind_b");
        await ApplyStoreUpToAsync(scripted, Latest - 1);
        await ApplyStoreUpToAsync(applied, Latest - 1);

        var script = await ProjectionSchemaInstaller.ScriptAsync(scripted.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"-- migration {Latest}: "), script, StringComparison.Ordinal);
        Assert.DoesNotContain(string.Create(CultureInfo.InvariantCulture, $"-- migration {Latest - 1}: "), script, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"made for version {Latest - 1}"), script, StringComparison.Ordinal);
        AssertNoConnectionDetails(script, scripted.ConnectionString);

        var (exitCode, output) = await PostgresClientTools.RunScriptAsync(scripted.ConnectionString, script, Ct);
        Assert.True(exitCode == 0, $"psql exited with {exitCode}: {output}");
        await ProjectionSchemaInstaller.ApplyAsync(applied.ConnectionString, new EventStoreOptions(), Projections(), Ct);

        await AssertSameSchemaAsync(scripted, applied);
    }

    [Fact]
    public async Task A_script_run_twice_is_refused_by_its_guard_the_second_time_and_changes_nothing()
    {
        RequireClientTools();
        await using var database = await postgres.CreateDatabaseAsync("script_twice");
        var script = await ProjectionSchemaInstaller.ScriptAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        var first = await PostgresClientTools.RunScriptAsync(database.ConnectionString, script, Ct);
        Assert.True(first.ExitCode == 0, $"psql exited with {first.ExitCode}: {first.Output}");
        var before = await DumpAsync(database);

        var second = await PostgresClientTools.RunScriptAsync(database.ConnectionString, script, Ct);
        Assert.Equal(3, second.ExitCode); // psql: an error in the script with ON_ERROR_STOP
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"is at version {Latest}, but this script was made for version 0"), second.Output, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync(database));
        Assert.Equal(Latest, await ScalarAsync<int>(database, $"SELECT max(version) FROM {Schema}.schema_version"));
    }

    [Fact]
    public async Task A_script_made_before_the_library_applied_the_schema_is_refused()
    {
        RequireClientTools();
        await using var database = await postgres.CreateDatabaseAsync("script_stale");
        await ApplyStoreUpToAsync(database, Latest - 1);
        var script = await ProjectionSchemaInstaller.ScriptAsync(database.ConnectionString, new EventStoreOptions(), [], Ct);
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), [], Ct);
        var before = await DumpAsync(database);

        var run = await PostgresClientTools.RunScriptAsync(database.ConnectionString, script, Ct);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"is at version {Latest}, but this script was made for version {Latest - 1}"), run.Output, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync(database));
    }

    [Fact]
    public async Task A_script_for_a_current_schema_missing_a_table_and_an_index_creates_only_those()
    {
        RequireClientTools();
        await using var database = await postgres.CreateDatabaseAsync("script_missing");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        var complete = await DumpAsync(database);
        await ExecuteAsync(database, $"DROP TABLE {Schema}.doc_sharded_balance; DROP INDEX {Schema}.events_shard_4");

        var script = await ProjectionSchemaInstaller.ScriptAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        Assert.DoesNotContain("BEGIN;", script, StringComparison.Ordinal);
        Assert.DoesNotContain("-- migration ", script, StringComparison.Ordinal);
        Assert.Contains("\"doc_sharded_balance\"", script, StringComparison.Ordinal);
        Assert.DoesNotContain("doc_account_balance", script, StringComparison.Ordinal);
        Assert.Contains("CREATE INDEX IF NOT EXISTS events_shard_4 ", script, StringComparison.Ordinal);

        var (exitCode, output) = await PostgresClientTools.RunScriptAsync(database.ConnectionString, script, Ct);
        Assert.True(exitCode == 0, $"psql exited with {exitCode}: {output}");
        Assert.Equal(complete, await DumpAsync(database));
        Assert.True((await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct)).IsCurrent);
    }

    /// <summary>The comparison the script tests rely on sees a difference as small as one dropped index.</summary>
    [Fact]
    public async Task The_schema_comparison_sees_a_dropped_index()
    {
        RequireClientTools();
        await using var first = await postgres.CreateDatabaseAsync("script_compare_a");
        await using var second = await postgres.CreateDatabaseAsync("script_compare_b");
        await ProjectionSchemaInstaller.ApplyAsync(first.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        await ProjectionSchemaInstaller.ApplyAsync(second.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        await AssertSameSchemaAsync(first, second);

        await ExecuteAsync(second, $"DROP INDEX {Schema}.events_type_seq");
        Assert.NotEqual(await DumpAsync(first), await DumpAsync(second));
    }

    [Fact]
    public async Task Check_on_an_empty_database_lists_every_migration_and_every_missing_table_and_index_and_changes_nothing()
    {
        await using var database = await postgres.CreateDatabaseAsync("check_empty");
        var state = await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct);

        Assert.False(state.IsCurrent);
        Assert.False(state.IsAhead);
        Assert.Equal(0, state.CurrentVersion);
        Assert.Equal(Latest, state.ExpectedVersion);
        Assert.Null(state.CompatibleFrom);
        Assert.Equal(Enumerable.Range(1, Latest), state.DueMigrations.Select(m => m.Version));
        Assert.Equal(EventStoreSchema.Migrations.Select(m => m.Description), state.DueMigrations.Select(m => m.Description));
        Assert.Equal([$"{Schema}.doc_account_balance", $"{Schema}.doc_sharded_balance"], state.MissingDocumentTables);
        Assert.Equal([$"{Schema}.events_shard_4"], state.MissingShardIndexes);
        Assert.Contains($"migration {Latest} is due: {EventStoreSchema.Migrations[^1].Description}", state.Differences);
        Assert.Contains($"document table {Schema}.doc_account_balance is missing", state.Differences);
        Assert.Contains($"shard read index {Schema}.events_shard_4 is missing", state.Differences);
        Assert.Equal(Latest + 3, state.Differences.Count);
        Assert.False(await SchemaExistsAsync(database), "the check must not create anything");
    }

    [Fact]
    public async Task Check_after_apply_is_current_and_lists_a_dropped_document_table()
    {
        await using var database = await postgres.CreateDatabaseAsync("check_current");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct);

        var state = await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        Assert.True(state.IsCurrent, string.Join("; ", state.Differences));
        Assert.Empty(state.Differences);
        Assert.Equal(Latest, state.CurrentVersion);
        Assert.Equal(EventStoreSchema.OldestCompatibleVersion, state.CompatibleFrom);

        await ExecuteAsync(database, $"DROP TABLE {Schema}.doc_account_balance");
        var missing = await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), Projections(), Ct);
        Assert.False(missing.IsCurrent);
        Assert.Empty(missing.DueMigrations);
        Assert.Equal([$"{Schema}.doc_account_balance"], missing.MissingDocumentTables);
        Assert.Equal([$"document table {Schema}.doc_account_balance is missing"], missing.Differences);

        // The store only: no projections, nothing missing.
        Assert.True((await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), [], Ct)).IsCurrent);
    }

    [Fact]
    public async Task Check_on_a_schema_one_migration_behind_lists_exactly_the_last_migration()
    {
        await using var database = await postgres.CreateDatabaseAsync("check_behind");
        await ApplyStoreUpToAsync(database, Latest - 1);

        var state = await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), [], Ct);
        Assert.False(state.IsCurrent);
        Assert.Equal(Latest - 1, state.CurrentVersion);
        Assert.Equal([new ProjectionSchemaMigration(Latest, EventStoreSchema.Migrations[^1].Description)], state.DueMigrations);
        Assert.Equal([$"migration {Latest} is due: {EventStoreSchema.Migrations[^1].Description}"], state.Differences);

        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), [], Ct);
        Assert.True((await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), [], Ct)).IsCurrent);
    }

    [Fact]
    public async Task Check_on_a_newer_schema_reports_it_ahead_compatible_or_not_and_the_script_refuses_an_incompatible_one()
    {
        await using var database = await postgres.CreateDatabaseAsync("check_ahead");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), [], Ct);

        // A later library's expanding step that records this one as compatible.
        await ExecuteAsync(database, $"INSERT INTO {Schema}.schema_version (version, description, compatible_from) VALUES (999, 'a later expanding step', {Latest})");
        var compatible = await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), [], Ct);
        Assert.False(compatible.IsCurrent);
        Assert.True(compatible.IsAhead);
        Assert.True(compatible.IsAheadButCompatible);
        Assert.Empty(compatible.DueMigrations);
        Assert.Equal([$"schema {Schema} is at version 999, newer than this library ({Latest}), and compatible with it (with libraries that know version {Latest} or later)"], compatible.Differences);
        Assert.Contains("Nothing to run", await ProjectionSchemaInstaller.ScriptAsync(database.ConnectionString, new EventStoreOptions(), [], Ct), StringComparison.Ordinal);

        // A contracting one that this library may not run against.
        await ExecuteAsync(database, $"UPDATE {Schema}.schema_version SET compatible_from = 999 WHERE version = 999");
        var refused = await ProjectionSchemaInstaller.CheckAsync(database.ConnectionString, new EventStoreOptions(), [], Ct);
        Assert.False(refused.IsCurrent);
        Assert.True(refused.IsAhead);
        Assert.False(refused.IsAheadButCompatible);
        Assert.Equal([$"schema {Schema} is at version 999, newer than this library ({Latest}), and compatible only with libraries that know version 999 or later: this library refuses it"], refused.Differences);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ProjectionSchemaInstaller.ScriptAsync(database.ConnectionString, new EventStoreOptions(), [], Ct));
        Assert.Contains("compatible only with libraries that know version 999 or later", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Check and script read only: a role that may create nothing (and read only schema_version) gets both.</summary>
    [Fact]
    public async Task Check_and_script_need_no_DDL_privilege()
    {
        await using var database = await postgres.CreateDatabaseAsync("check_readonly");
        await ApplyStoreUpToAsync(database, Latest - 1);
        var role = "ro_" + Guid.NewGuid().ToString("N")[..10];
        var password = Guid.NewGuid().ToString("N");
        await ExecuteAsync(database, $"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'");
        await ExecuteAsync(database, $"REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA {Schema} TO {role}; GRANT SELECT ON {Schema}.schema_version TO {role}");
        var readOnly = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role, Password = password }.ConnectionString;

        var state = await ProjectionSchemaInstaller.CheckAsync(readOnly, new EventStoreOptions(), Projections(), Ct);
        Assert.Equal([Latest], state.DueMigrations.Select(m => m.Version));
        Assert.Equal([$"{Schema}.doc_account_balance", $"{Schema}.doc_sharded_balance"], state.MissingDocumentTables);
        Assert.Equal(EventStoreSchema.OldestCompatibleVersion, state.CompatibleFrom);
        var script = await ProjectionSchemaInstaller.ScriptAsync(readOnly, new EventStoreOptions(), Projections(), Ct);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"-- migration {Latest}: "), script, StringComparison.Ordinal);
        AssertNoConnectionDetails(script, readOnly);

        // And the role really cannot apply it: the library's own refusal, naming the migration role.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ProjectionSchemaInstaller.ApplyAsync(readOnly, new EventStoreOptions(), [], Ct));
        Assert.Contains("Least privilege", refused.Message, StringComparison.Ordinal);
    }

    private static void RequireClientTools()
    {
        if (PostgresClientTools.BinDirectory is null)
        {
            Assert.Skip("psql and pg_dump are found neither under /usr/lib/postgresql/*/bin nor on PATH.");
        }
    }

    /// <summary>The event store's schema as a library knowing only versions 1 to <paramref name="version"/> left it.</summary>
    private static async Task ApplyStoreUpToAsync(TestDatabase database, int version)
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = new PostgresEventStore(dataSource, new EventStoreOptions(), new EventTypeRegistry());
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        Assert.Equal(Enumerable.Range(1, version), await EventStoreSchema.ApplyAsync(connection, store.SchemaContext, version, Ct));
    }

    private static async Task AssertSameSchemaAsync(TestDatabase first, TestDatabase second)
    {
        Assert.Equal(await DumpAsync(first), await DumpAsync(second));
        Assert.Equal(await VersionRowsAsync(first), await VersionRowsAsync(second));
    }

    private static async Task<string> DumpAsync(TestDatabase database)
    {
        var dump = await PostgresClientTools.DumpSchemaAsync(database.ConnectionString, Schema, Ct);
        Assert.Contains("CREATE TABLE projectiongen.events", dump, StringComparison.Ordinal);
        return dump;
    }

    private static async Task<List<string>> VersionRowsAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT version, description, compatible_from FROM {Schema}.schema_version ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetInt32(0)}|{reader.GetString(1)}|{(reader.IsDBNull(2) ? "null" : reader.GetInt32(2))}"));
        }

        Assert.Equal(Latest, rows.Count);
        return rows;
    }

    private static void AssertNoConnectionDetails(string script, string connectionString)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.DoesNotContain(connection.Password!, script, StringComparison.Ordinal);
        Assert.DoesNotContain(connection.Database!, script, StringComparison.Ordinal);
        Assert.DoesNotContain(string.Create(CultureInfo.InvariantCulture, $"{connection.Host}:{connection.Port}"), script, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", script, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<bool> SchemaExistsAsync(TestDatabase database) =>
        await ScalarAsync<bool>(database, $"SELECT to_regnamespace('{Schema}') IS NOT NULL");

    private static async Task<T> ScalarAsync<T>(TestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task ExecuteAsync(TestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
