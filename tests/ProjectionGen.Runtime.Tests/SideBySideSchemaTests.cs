using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Old and new versions side by side (docs/operations.md, "Upgrading"): a schema records the oldest library it stays
/// compatible with, a library refuses a newer schema only when it is below that, and the newest schema still takes the
/// statements of the first release's nodes.
/// </summary>
public sealed class SideBySideSchemaTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_newer_schema_compatible_with_this_library_is_accepted_and_appends_work()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "compatible");
        Assert.Equal(EventStoreSchema.OldestCompatibleVersion, await scope.ScalarAsync<int>(
            $"SELECT compatible_from FROM projectiongen.schema_version WHERE version = {EventStoreSchema.LatestVersion}"));

        // A later library migrated (an expanding step) and records that this one stays compatible.
        var newer = EventStoreSchema.LatestVersion + 1;
        await ExecuteAsync(scope, $"INSERT INTO projectiongen.schema_version (version, description, compatible_from) VALUES ({newer}, 'a later expanding step', {EventStoreSchema.LatestVersion})");

        var old = scope.OtherStore();
        await old.ApplySchemaAsync(Ct);
        await old.AppendAsync("order-side", [new ItemAdded("sku", 1)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(newer, await scope.ScalarAsync<int>("SELECT max(version) FROM projectiongen.schema_version"));
    }

    [Fact]
    public async Task A_newer_schema_that_contracted_past_this_library_is_refused_naming_both_versions()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "contracted");
        var newer = EventStoreSchema.LatestVersion + 1;
        await ExecuteAsync(scope, $"INSERT INTO projectiongen.schema_version (version, description, compatible_from) VALUES ({newer}, 'a later contracting step', {newer})");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scope.OtherStore().ApplySchemaAsync(Ct));
        Assert.Contains($"version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"compatible only with libraries that know version {newer} or later", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The first release's progress statements (ProjectionDaemon and ProjectionGuard before the cluster split, commit
    /// 1d3eca0^), verbatim: its takeover inserts a progress row by name only, which schema version 4's NOT NULL on
    /// <c>progress.projection</c> refused (23502) until version 12 filled it in.
    /// </summary>
    [Fact]
    public async Task A_first_release_nodes_progress_statements_work_against_the_newest_schema()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "firstrelease");
        const string schema = "\"projectiongen\"";
        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);

        await using (var insert = new NpgsqlCommand($"INSERT INTO {schema}.progress (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "first_release" });
            await insert.ExecuteNonQueryAsync(Ct);
        }

        long epoch;
        await using (var acquire = new NpgsqlCommand($"UPDATE {schema}.progress SET epoch = epoch + 1, owner = $2, owner_since = now(), status = 'running' WHERE name = $1 RETURNING epoch, position", connection))
        {
            acquire.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "first_release" });
            acquire.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "old-node" });
            await using var reader = await acquire.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            epoch = reader.GetInt64(0);
            Assert.Equal(0L, reader.GetInt64(1));
        }

        await using (var unfenced = new NpgsqlCommand($"UPDATE {schema}.progress SET position = $2, last_commit_at = now() WHERE name = $1", connection))
        {
            unfenced.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "first_release" });
            unfenced.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 5 });
            Assert.Equal(1, await unfenced.ExecuteNonQueryAsync(Ct));
        }

        await using (var check = new NpgsqlCommand($"SELECT name, epoch FROM {schema}.progress WHERE name = ANY($1)", connection))
        {
            check.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["first_release"] });
            await using var reader = await check.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal(epoch, reader.GetInt64(1));
        }

        // The row the old node made is a slot of the newest schema: its own projection, shard 0 of 1.
        Assert.Equal("first_release 0 1 5", await scope.ScalarAsync<string>(
            "SELECT projection || ' ' || shard || ' ' || shard_count || ' ' || position FROM projectiongen.progress WHERE name = 'first_release'"));
    }

    private static async Task ExecuteAsync(StoreScope scope, string sql)
    {
        await using var command = scope.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
