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
            + "status text NO, last_loss_cause text YES, last_loss_at timestamp with time zone YES",
            await ColumnsAsync(scope, "progress"));
        Assert.Equal(
            "id bigint NO, projection text NO, seq bigint NO, stream_id text NO, event_type text NO, epoch bigint YES, node text YES, reason text NO, "
            + "exception text YES, attempts integer NO, created_at timestamp with time zone NO",
            await ColumnsAsync(scope, "dead_letters"));
        Assert.Equal(
            "seq bigint NO, stream_id text NO, version bigint NO, type text NO, data jsonb NO, timestamp timestamp with time zone NO, "
            + "correlation_id text YES, causation_id text YES, tenant_id text YES",
            await ColumnsAsync(scope, "events"));
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
