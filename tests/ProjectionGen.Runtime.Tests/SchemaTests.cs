using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

public sealed class SchemaTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Applying_the_schema_concurrently_and_repeatedly_records_each_version_once()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "schema");
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => scope.OtherStore(new EventStoreOptions { Schema = "concurrent" }).ApplySchemaAsync(Ct)));
        await scope.Store.ApplySchemaAsync(Ct);

        foreach (var schema in new[] { "projectiongen", "concurrent" })
        {
            Assert.Equal(EventStoreSchema.LatestVersion, await scope.ScalarAsync<int>($"SELECT max(version) FROM {schema}.schema_version"));
            Assert.Equal((long)EventStoreSchema.LatestVersion, await scope.ScalarAsync<long>($"SELECT count(*) FROM {schema}.schema_version"));
        }
    }

    [Fact]
    public async Task The_progress_and_dead_letter_tables_have_the_agreed_columns()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "columns");
        Assert.Equal(
            "name text NO, position bigint NO, epoch bigint NO, owner text YES, owner_since timestamp with time zone YES, last_commit_at timestamp with time zone YES, "
            + "status text NO, last_loss_cause text YES, last_loss_at timestamp with time zone YES, projection text NO, shard integer NO, shard_count integer NO, "
            + "required_shape text YES",
            await ColumnsAsync(scope, "progress"));
        Assert.Equal(
            "id bigint NO, projection text NO, seq bigint NO, stream_id text NO, event_type text NO, epoch bigint YES, node text YES, reason text NO, "
            + "exception text YES, attempts integer NO, created_at timestamp with time zone NO",
            await ColumnsAsync(scope, "dead_letters"));
        Assert.Equal(
            "seq bigint NO, stream_id text NO, version bigint NO, type text NO, data jsonb NO, timestamp timestamp with time zone NO, "
            + "correlation_id text YES, causation_id text YES, tenant_id text YES, stream_hash integer YES",
            await ColumnsAsync(scope, "events"));
        Assert.Equal(
            "name text NO, lock_pid integer NO, lock_backend_start timestamp with time zone YES, version text YES, projections ARRAY NO, tags ARRAY NO, "
            + "capacity integer YES, draining boolean NO, started_at timestamp with time zone NO, heartbeat_at timestamp with time zone NO, slots_owned integer NO",
            await ColumnsAsync(scope, "nodes"));
    }

    [Fact]
    public async Task The_stream_hash_that_shards_are_cut_by_is_the_servers_stable_md5_prefix()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hash");
        await scope.Store.AppendAsync("order-1", [new ItemAdded("apple", 1)], ExpectedVersion.Any, cancellationToken: Ct);
        await scope.Store.AppendAsync("acct-7", [new ItemAdded("pear", 2)], ExpectedVersion.Any, cancellationToken: Ct);

        // Pinned values (the first 32 bits of md5, made non-negative): a shard's streams must never change.
        Assert.Equal(1853851049, await scope.ScalarAsync<int>("SELECT stream_hash FROM projectiongen.events WHERE stream_id = 'order-1'"));
        Assert.Equal(1071391200, await scope.ScalarAsync<int>("SELECT stream_hash FROM projectiongen.events WHERE stream_id = 'acct-7'"));
    }

    [Fact]
    public void Migration_versions_are_consecutive_from_one()
    {
        Assert.Equal(Enumerable.Range(1, EventStoreSchema.Migrations.Count), EventStoreSchema.Migrations.Select(m => m.Version));
    }

    [Fact]
    public async Task A_schema_newer_than_the_code_is_refused()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "newer");
        await using (var bump = scope.DataSource.CreateCommand("INSERT INTO projectiongen.schema_version (version, description) VALUES (999, 'future')"))
        {
            await bump.ExecuteNonQueryAsync(Ct);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Store.ApplySchemaAsync(Ct));
        Assert.Contains("version 999", error.Message, StringComparison.Ordinal);
    }

    private static Task<string> ColumnsAsync(StoreScope scope, string table) => scope.ScalarAsync<string>(
        "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position) "
        + $"FROM information_schema.columns WHERE table_schema = 'projectiongen' AND table_name = '{table}'");
}
