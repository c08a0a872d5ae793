using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A multi-stream projection (documents keyed by branch, gathering many streams) on real PostgreSQL: equal to its fold
/// on one node, and after a terminated lock connection, a fast restart and a crash under two nodes and writers.
/// </summary>
public sealed class MultiStreamTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IGeneratedProjection[] Projections() => [new BranchTotalsProjection(), new LedgerProjection()];

    [Fact]
    public async Task A_multi_stream_projection_equals_its_fold()
    {
        await using var database = await postgres.CreateDatabaseAsync("multi");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(400, streams: 25);

        var daemon = bed.CreateDaemon("solo", Projections());
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "branch_totals", "ledger");

        Assert.Empty(await bed.VerifyBranchTotalsAsync());
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
        Assert.Equal(["-1", "0", "1", "2", "3"], (await ReadIdsAsync(database.ConnectionString)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_checker_sees_a_document_applied_twice()
    {
        await using var database = await postgres.CreateDatabaseAsync("multicheck");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(60, streams: 8);
        var daemon = bed.CreateDaemon("solo", Projections());
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "branch_totals", "ledger");
        Assert.Empty(await bed.VerifyBranchTotalsAsync());

        // One more event's worth on one document: the check must notice, or its green results mean nothing.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var tamper = new NpgsqlCommand(
            "UPDATE projectiongen.doc_branch_totals SET data = jsonb_set(data, '{events}', to_jsonb((data->>'events')::int + 1)) WHERE id = '0'", connection);
        Assert.Equal(1, await tamper.ExecuteNonQueryAsync(Ct));

        var problem = Assert.Single(await bed.VerifyBranchTotalsAsync());
        Assert.StartsWith("branch_totals: 0 is", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminated_lock_connection_keeps_the_multi_stream_projection_exact()
    {
        await using var database = await postgres.CreateDatabaseAsync("multiterm");
        await RunFaultScenarioAsync(database.ConnectionString, async owner =>
            Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(owner), Ct)));
    }

    [Fact]
    public async Task Fast_restart_keeps_the_multi_stream_projection_exact()
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await using var database = await server.CreateDatabaseAsync("multirestart", Ct);
        await RunFaultScenarioAsync(database.ConnectionString, _ => server.RestartAsync(fast: true, Ct));
    }

    [Fact]
    public async Task Crash_keeps_the_multi_stream_projection_exact()
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await using var database = await server.CreateDatabaseAsync("multicrash", Ct);
        await RunFaultScenarioAsync(database.ConnectionString, _ => server.CrashAsync(restart: true, Ct));
    }

    /// <summary>Two nodes and three writers; once the owner has committed, <paramref name="fault"/> hits it; a newer epoch resumes; then the fold check.</summary>
    private static async Task RunFaultScenarioAsync(string connectionString, Func<string, Task> fault)
    {
        await using var bed = await DaemonTestBed.CreateAsync(connectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var a = bed.CreateDaemon("a-" + suffix, Projections());
        var b = bed.CreateDaemon("b-" + suffix, Projections());
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);

        // Balanced first, and the owner and its epoch read together: read apart, the first node's owning and the
        // second's epoch after the rebalance handoff could be paired, and that owner never stops at that epoch.
        await DaemonTestBed.WaitForBalanceAsync(TimeSpan.FromSeconds(30), a, b);
        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(3, stopWriters.Token, streams: 30);
        await bed.WaitForOwnerAsync("branch_totals", TimeSpan.FromSeconds(30));
        var (epochBefore, ownerBefore) = await bed.ReadOwnershipAsync("branch_totals");
        var owner = ownerBefore ?? throw new InvalidOperationException("branch_totals has no owner after the wait for one");
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Count(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "branch_totals" } && e.ToPosition > e.FromPosition) >= 2,
            TimeSpan.FromSeconds(30), "two branch_totals batches");

        await fault(owner);

        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.AgentStopped && e.Node == owner && e.Projection == "branch_totals" && e.Epoch == epochBefore),
            TimeSpan.FromSeconds(30), "the owner's branch_totals agent to stop");
        await bed.WaitForOwnerAsync("branch_totals", TimeSpan.FromSeconds(30), minimumEpoch: epochBefore + 1);
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "branch_totals" } && e.Epoch > epochBefore && e.ToPosition > e.FromPosition),
            TimeSpan.FromSeconds(30), "a branch_totals batch under a newer epoch");

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "branch_totals", "ledger");
        Assert.Empty(await bed.VerifyBranchTotalsAsync());
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
    }

    private static async Task<List<string>> ReadIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT id FROM projectiongen.doc_branch_totals", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
