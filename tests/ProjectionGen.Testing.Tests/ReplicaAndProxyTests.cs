using Npgsql;
using ProjectionGen.Testing;
using Xunit;
using static ProjectionGen.Tests.ServerControlTests;

namespace ProjectionGen.Tests;

/// <summary>The harness's standby and pooling-proxy helpers, which the daemon's refusal tests rely on.</summary>
public sealed class ReplicaAndProxyTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Standby_replicates_reports_recovery_and_can_be_promoted()
    {
        await using var primary = await DedicatedPostgres.StartAsync();
        await using (var connection = new NpgsqlConnection(Unpooled(primary.ConnectionString)))
        {
            await connection.OpenAsync(Ct);
            await ExecuteAsync(connection, "CREATE TABLE replicated AS SELECT 42 AS answer");
        }

        await using var standby = await primary.CreateStandbyAsync(Ct);
        await using (var connection = new NpgsqlConnection(Unpooled(standby.ConnectionString)))
        {
            await connection.OpenAsync(Ct);
            Assert.True(await ScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()"));
            Assert.Equal(42, await ScalarAsync<int>(connection, "SELECT answer FROM replicated"));
        }

        await standby.PromoteAsync(Ct);
        await using var promoted = new NpgsqlConnection(Unpooled(standby.ConnectionString));
        await promoted.OpenAsync(Ct);
        Assert.False(await ScalarAsync<bool>(promoted, "SELECT pg_is_in_recovery()"));
    }

    [Fact]
    public async Task Transaction_pooling_proxy_hides_the_backend_from_the_client()
    {
        if (PgBouncerProxy.FindBinary() is null)
        {
            Assert.Skip("pgbouncer is not installed (build/test.sh installs it on Debian as root).");
        }

        await using var proxy = await PgBouncerProxy.StartAsync(postgres.Server, PgBouncerPoolMode.Transaction, Ct);
        await using var connection = new NpgsqlConnection(proxy.ConnectionString);
        await connection.OpenAsync(Ct);
        var backendPid = await ScalarAsync<int>(connection, "SELECT pg_backend_pid()");
        Assert.NotEqual(backendPid, connection.ProcessID);
    }
}
