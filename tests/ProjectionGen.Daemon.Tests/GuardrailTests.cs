using Npgsql;
using ProjectionGen.Locking;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The daemon refuses lock connections that would make its locks meaningless.</summary>
public sealed class GuardrailTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_lock_connection_to_a_hot_standby_is_refused()
    {
        await using var primary = await DedicatedPostgres.StartAsync();
        await using var database = await primary.CreateDatabaseAsync("standby", Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var standby = await primary.CreateStandbyAsync(Ct);
        var standbyDatabase = new NpgsqlConnectionStringBuilder(standby.ConnectionString) { Database = database.Name }.ConnectionString;

        var daemon = bed.CreateDaemon("standby-node", DaemonTestBed.StandardProjections(), o => o.LockConnectionString = standbyDatabase);
        var error = await Assert.ThrowsAsync<LockConnectionRefusedException>(() => daemon.StartAsync(Ct));
        Assert.Contains("standby", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(standby.ConnectionString).Password!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lock_connection_through_a_transaction_pooling_proxy_is_refused()
    {
        if (PgBouncerProxy.FindBinary() is null)
        {
            Assert.Skip("pgbouncer is not installed (build/test.sh installs it on Debian as root).");
        }

        await using var database = await postgres.CreateDatabaseAsync("proxy");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var proxy = await PgBouncerProxy.StartAsync(postgres.Server, PgBouncerPoolMode.Transaction, Ct);
        var throughProxy = new NpgsqlConnectionStringBuilder(proxy.ConnectionString) { Database = database.Name }.ConnectionString;

        var daemon = bed.CreateDaemon("proxied-node", DaemonTestBed.StandardProjections(), o => o.LockConnectionString = throughProxy);
        var error = await Assert.ThrowsAsync<LockConnectionRefusedException>(() => daemon.StartAsync(Ct));
        Assert.Contains("pooler or proxy", error.Message, StringComparison.Ordinal);
        Assert.Contains("LockConnectionString", error.Message, StringComparison.Ordinal);
    }
}
