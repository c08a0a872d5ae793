using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Locking;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>One agent per projection however daemons are started, and a graceful stop that hands over cleanly.</summary>
public sealed class OwnershipTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_daemon_starts_once()
    {
        await using var database = await postgres.CreateDatabaseAsync("twice");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var daemon = bed.CreateDaemon("twice-" + Guid.NewGuid().ToString("N")[..6], DaemonTestBed.StandardProjections());
        await daemon.StartAsync(Ct);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => daemon.StartAsync(Ct));
        Assert.Contains("already started", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_daemon_with_a_node_name_in_use_is_refused_and_never_runs_an_agent()
    {
        await using var database = await postgres.CreateDatabaseAsync("double");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = "same-" + Guid.NewGuid().ToString("N")[..6];
        var daemons = new[] { bed.CreateDaemon(node, DaemonTestBed.StandardProjections()), bed.CreateDaemon(node, DaemonTestBed.StandardProjections()) };
        await daemons[0].StartAsync(Ct);
        var refused = await Assert.ThrowsAsync<LockConnectionRefusedException>(() => daemons[1].StartAsync(Ct));
        Assert.Contains($"'{node}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("unique", refused.Message, StringComparison.Ordinal);

        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token);
        var samples = 0;
        var sawOwner = new HashSet<string>();
        var until = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < until)
        {
            foreach (var projection in new[] { "ledger", "account_balance" })
            {
                var running = daemons.Sum(d => d.GetStates().Count(s => s.Projection == projection && s.Status == AgentStatus.Running));
                Assert.True(running <= 1, $"{running} agents ran {projection} at once");
                if (running == 1)
                {
                    sawOwner.Add(projection);
                }
            }

            Assert.Empty(await GrantedLockDuplicatesAsync(database.ConnectionString));
            samples++;
            await Task.Delay(25, Ct);
        }

        Assert.Equal(2, sawOwner.Count);
        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.True(samples > 10);
    }

    [Fact]
    public async Task Graceful_stop_releases_every_lock_and_another_node_takes_over()
    {
        await using var database = await postgres.CreateDatabaseAsync("graceful");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var first = bed.CreateDaemon("first-" + suffix, DaemonTestBed.StandardProjections());
        await first.StartAsync(Ct);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30));
        await bed.WaitForOwnerAsync("account_balance", TimeSpan.FromSeconds(30));
        var second = bed.CreateDaemon("second-" + suffix, DaemonTestBed.StandardProjections());
        await second.StartAsync(Ct);
        await bed.AppendAsync(100);

        await first.StopAsync(Ct);

        Assert.Equal(0L, await CountAdvisoryLocksAsync(database.ConnectionString, first.LockApplicationName));
        Assert.Equal(0L, await CountSessionsAsync(database.ConnectionString, first.LockApplicationName));
        Assert.All(first.GetStates(), state => Assert.NotEqual(AgentStatus.Running, state.Status));
        Assert.Equal(second.NodeName, await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30)));
        await bed.AppendAsync(50, seed: 2);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
    }

    [Fact]
    public void Lock_keys_are_stable_and_appear_in_pg_locks_as_two_halves()
    {
        var key = AdvisoryLockKey.ForProjection("projectiongen", "ledger");
        Assert.Equal(key, AdvisoryLockKey.ForProjection("projectiongen", "ledger"));
        Assert.NotEqual(key, AdvisoryLockKey.ForProjection("other_schema", "ledger"));
        Assert.Equal(key, AdvisoryLockKey.ForSlot("projectiongen", "ledger", 0, 1));
        Assert.NotEqual(AdvisoryLockKey.ForSlot("projectiongen", "ledger", 0, 2), AdvisoryLockKey.ForSlot("projectiongen", "ledger", 0, 4));
        Assert.Equal(key.Value, (long)(((ulong)key.ClassId << 32) | key.ObjId));
    }

    [Fact]
    public async Task Invalid_projection_and_option_values_are_refused_with_clear_messages()
    {
        await using var database = await postgres.CreateDatabaseAsync("invalid");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var options = new ProjectionDaemonOptions { ConnectionString = database.ConnectionString, HeartbeatInterval = TimeSpan.Zero, DefaultBatchSize = 0 };
        var error = Assert.Throws<ArgumentException>(() => new ProjectionDaemon(bed.Store, DaemonTestBed.StandardProjections(), options));
        Assert.Contains("HeartbeatInterval must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("DefaultBatchSize", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", error.Message, StringComparison.OrdinalIgnoreCase);

        var duplicate = Assert.Throws<ArgumentException>(() => new ProjectionDaemon(bed.Store, [new Projections.LedgerProjection(), new Projections.LedgerProjection()], new ProjectionDaemonOptions { ConnectionString = database.ConnectionString }));
        Assert.Contains("'ledger'", duplicate.Message, StringComparison.Ordinal);
    }

    internal static async Task<List<string>> GrantedLockDuplicatesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT classid::text || ':' || objid::text FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY classid, objid HAVING count(*) > 1",
            connection);
        var duplicates = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            duplicates.Add(reader.GetString(0));
        }

        return duplicates;
    }

    private static async Task<long> CountAdvisoryLocksAsync(string connectionString, string applicationName)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND a.application_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<long> CountSessionsAsync(string connectionString, string applicationName)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
