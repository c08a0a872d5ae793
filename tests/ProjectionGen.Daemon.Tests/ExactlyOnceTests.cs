using ProjectionGen.Daemon;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The baseline: one or more nodes project every committed event exactly once.</summary>
public sealed class ExactlyOnceTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_single_node_projects_every_event_exactly_once()
    {
        await using var database = await postgres.CreateDatabaseAsync("once");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(300);

        var daemon = bed.CreateDaemon("solo", DaemonTestBed.StandardProjections());
        await daemon.StartAsync(TestContext.Current.CancellationToken);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");

        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.All(daemon.GetStates(), state => Assert.Equal(AgentStatus.Running, state.Status));
    }

    [Fact]
    public async Task The_checker_sees_a_double_application()
    {
        await using var database = await postgres.CreateDatabaseAsync("checker");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(50);
        var daemon = bed.CreateDaemon("solo", DaemonTestBed.StandardProjections());
        await daemon.StartAsync(TestContext.Current.CancellationToken);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());

        // Apply one event twice by hand: the check must notice, or its green results mean nothing.
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var duplicate = new Npgsql.NpgsqlCommand("INSERT INTO ledger SELECT * FROM ledger ORDER BY seq LIMIT 1", connection);
        await duplicate.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);

        var problems = await bed.VerifyExactlyOnceAsync();
        Assert.Single(problems);
        Assert.Contains("has rows", problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_events_wake_an_idle_agent_and_are_projected()
    {
        await using var database = await postgres.CreateDatabaseAsync("wake");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var daemon = bed.CreateDaemon("solo", DaemonTestBed.StandardProjections(), o => o.PollInterval = TimeSpan.FromMinutes(5));
        await daemon.StartAsync(TestContext.Current.CancellationToken);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30));

        // With polling effectively off, only the append notification can wake the agent in time.
        await bed.AppendAsync(20);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(30), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
    }
}
