using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>An event whose handler keeps throwing is retried, dead-lettered with its exception, and skipped.</summary>
public sealed class PoisonEventTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_poison_event_is_dead_lettered_after_its_retries_and_processing_continues()
    {
        await using var database = await postgres.CreateDatabaseAsync("poison");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var amounts = new[] { 5, 7, 13, 21, 34 };
        var sequences = new List<long>();
        foreach (var amount in amounts)
        {
            var result = await bed.Store.AppendAsync("acct-poison", [new Deposited("acct-poison", amount)], ExpectedVersion.Any, cancellationToken: Ct);
            sequences.Add(result.LastSequence);
        }

        var fragile = new FragileProjection();
        var daemon = bed.CreateDaemon("poison-" + Guid.NewGuid().ToString("N")[..6], [fragile], o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "fragile");

        // MaxRetries = 2: three attempts in all, then the dead letter.
        Assert.Equal(3, fragile.Attempts);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var command = new NpgsqlCommand("SELECT projection, seq, event_type, reason, exception, attempts, node FROM projectiongen.dead_letters", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal("fragile", reader.GetString(0));
            Assert.Equal(sequences[2], reader.GetInt64(1));
            Assert.Equal(bed.Types.GetName(typeof(Deposited)), reader.GetString(2));
            Assert.Contains("13 is unlucky", reader.GetString(3), StringComparison.Ordinal);
            Assert.Contains("InvalidOperationException", reader.GetString(4), StringComparison.Ordinal);
            Assert.Equal(3, reader.GetInt32(5));
            Assert.Equal(daemon.NodeName, reader.GetString(6));
            Assert.False(await reader.ReadAsync(Ct));
        }

        await using (var command = new NpgsqlCommand("SELECT array_agg(amount ORDER BY seq) FROM fragile_ledger", connection))
        {
            Assert.Equal(new[] { 5, 7, 21, 34 }, (int[])(await command.ExecuteScalarAsync(Ct))!);
        }

        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.EventDeadLettered && e.FromPosition == sequences[2]);
        Assert.Equal(AgentStatus.Running, daemon.GetStates().Single().Status);
    }

    [Fact]
    public async Task A_poison_event_deep_in_a_grown_catch_up_batch_gets_exactly_its_retries()
    {
        await using var database = await postgres.CreateDatabaseAsync("poisongrow");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);

        // 100 deposits, the 50th unlucky: batches grow 10, 20, 40 while catching up, so the first failure is in a batch
        // of 40; the retry starts over at 10 events and commits the ones before the poison event in between.
        var events = Enumerable.Range(1, 100).Select(i => (object)new Deposited("acct-grow", i == 50 ? 13 : 1)).ToArray();
        var appended = await bed.Store.AppendAsync("acct-grow", events, ExpectedVersion.Any, cancellationToken: Ct);
        var poison = appended.LastSequence - 50;

        var fragile = new GrowingFragileProjection();
        var daemon = bed.CreateDaemon("grow-" + Guid.NewGuid().ToString("N")[..6], [fragile], o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.DefaultBatchSize = 10;
            o.CatchUpBatchSize = 40;
        });
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "fragile_growing");

        // MaxRetries = 2: three attempts in all, counted across the batches that retried it, then the dead letter.
        Assert.Equal(3, fragile.Attempts);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var command = new NpgsqlCommand("SELECT seq, attempts FROM projectiongen.dead_letters WHERE projection = 'fragile_growing'", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal(poison, reader.GetInt64(0));
            Assert.Equal(3, reader.GetInt32(1));
            Assert.False(await reader.ReadAsync(Ct));
        }

        await using (var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT seq) FROM fragile_growing_ledger", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal(99L, reader.GetInt64(0));
            Assert.Equal(99L, reader.GetInt64(1));
        }
    }

    [Fact]
    public async Task Under_the_pause_policy_a_poison_event_pauses_the_agent_and_nothing_after_it_is_projected()
    {
        await using var database = await postgres.CreateDatabaseAsync("pause");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var first = await bed.Store.AppendAsync("acct-pause", [new Withdrawn("acct-pause", 5), new Withdrawn("acct-pause", 13), new Withdrawn("acct-pause", 8)], ExpectedVersion.Any, cancellationToken: Ct);

        var daemon = bed.CreateDaemon("pause-" + Guid.NewGuid().ToString("N")[..6], [new PausingProjection()], o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await daemon.StartAsync(Ct);
        await Eventually.HoldsAsync(() => daemon.GetStates().Single().Status == AgentStatus.Paused, TimeSpan.FromSeconds(30), "the agent to pause");

        var state = daemon.GetStates().Single();
        Assert.Contains("13 is unlucky", state.StopReason, StringComparison.Ordinal);
        // The agent sets its status before it raises the lifecycle event: wait for the event, do not assume it was raised.
        await Eventually.HoldsAsync(() => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.AgentPaused && e.Projection == "pausing"), TimeSpan.FromSeconds(30), "the AgentPaused event");

        // Paused means paused: the batch holding the poison event committed nothing, and no dead letter was written.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM pausing_ledger) + (SELECT count(*) FROM projectiongen.dead_letters)", connection))
        {
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync(Ct))!);
        }

        Assert.True((await bed.ReadPositionsAsync()).GetValueOrDefault("pausing") < first.LastSequence);

        // Resuming gives the lock back; the projection restarts under a new epoch and, the event being still poison, pauses again.
        Assert.True(daemon.Resume("pausing"));
        await Eventually.HoldsAsync(() => daemon.GetStates().Single() is { Status: AgentStatus.Paused } s && s.Epoch > state.Epoch, TimeSpan.FromSeconds(30), "a second pause under a newer epoch");
        Assert.False(daemon.Resume("ledger"));
    }
}
