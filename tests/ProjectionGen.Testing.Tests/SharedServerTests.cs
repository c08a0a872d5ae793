using Npgsql;
using ProjectionGen.Testing;
using Xunit;
using static ProjectionGen.Tests.ServerControlTests;

namespace ProjectionGen.Tests;

/// <summary>Behaviour that the shared server gives every test: isolation and backend termination.</summary>
public sealed class SharedServerTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Terminating_a_backend_releases_its_session_advisory_lock()
    {
        await using var database = await postgres.CreateDatabaseAsync("locks");
        const long key = 0x5EED_0001_0000_0042;
        var applicationName = "lock-holder-" + Guid.NewGuid().ToString("N")[..8];

        await using var holder = new NpgsqlConnection(Unpooled(database.ConnectionString, applicationName));
        await holder.OpenAsync(Ct);
        Assert.True(await TryLockAsync(holder, key));

        await using var contender = new NpgsqlConnection(Unpooled(database.ConnectionString));
        await contender.OpenAsync(Ct);
        Assert.False(await TryLockAsync(contender, key));

        Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(applicationName, Ct));

        // Termination is asynchronous: the lock is released once the backend has exited.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var acquired = false;
        while (!acquired && DateTime.UtcNow < deadline)
        {
            acquired = await TryLockAsync(contender, key);
            if (!acquired)
            {
                await Task.Delay(20, Ct);
            }
        }

        Assert.True(acquired, "The terminated backend's advisory lock was never released.");
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(holder, "SELECT 1"));
    }

    [Fact]
    public async Task Databases_of_parallel_tests_do_not_see_each_other()
    {
        await using var first = await postgres.CreateDatabaseAsync("iso");
        await using var second = await postgres.CreateDatabaseAsync("iso");
        Assert.NotEqual(first.Name, second.Name);

        await using (var a = new NpgsqlConnection(first.ConnectionString))
        {
            await a.OpenAsync(Ct);
            await ExecuteAsync(a, "CREATE TABLE only_in_first (id int)");
        }

        await using var b = new NpgsqlConnection(second.ConnectionString);
        await b.OpenAsync(Ct);
        Assert.Equal(0L, await ScalarAsync<long>(b, "SELECT count(*) FROM pg_class WHERE relname = 'only_in_first'"));
    }

    [Fact]
    public async Task Disposing_a_database_drops_it_even_with_open_sessions()
    {
        var database = await postgres.CreateDatabaseAsync("drop");
        var open = new NpgsqlConnection(Unpooled(database.ConnectionString));
        await open.OpenAsync(Ct);

        await database.DisposeAsync();

        await using var admin = await postgres.Server.OpenAdminConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", admin);
        command.Parameters.Add(new NpgsqlParameter { Value = database.Name });
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync(Ct))!);
        await open.DisposeAsync();
    }

    [Fact]
    public void Shared_server_is_started_by_the_harness_or_named_by_the_environment()
    {
        var expected = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresServerOptions.ConnectionEnvironmentVariable))
            ? PostgresServerSource.LocalBinaries
            : PostgresServerSource.External;
        if (expected == PostgresServerSource.LocalBinaries && !OperatingSystem.IsLinux())
        {
            Assert.Skip("Local binaries are expected only on the Linux build machines.");
        }

        Assert.Equal(expected, postgres.Server.Source);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, long key)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return (bool)(await command.ExecuteScalarAsync(Ct))!;
    }
}
