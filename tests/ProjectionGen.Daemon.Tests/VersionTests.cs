using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Diagnostics;
using ProjectionGen.EventStore;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using ProjectionGen.Versions;
using Xunit;
using static ProjectionGen.Tests.VersionTestQueries;

namespace ProjectionGen.Tests;

/// <summary>
/// Zero-downtime rebuilds. A new version (or a shadow rebuild) is built beside the live one into its own
/// table, with its own progress rows, locks and epochs; readers of the view <c>projectiongen.account_balance</c> are
/// switched to it in one fenced transaction once it has caught up (docs/versions.md).
/// </summary>
public sealed class VersionTests(PostgresFixture postgres)
{
    private const string View = "projectiongen.account_balance";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readers_of_the_view_never_see_fewer_rows_through_a_switch_from_v1_to_v2_under_continuous_appends()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_switch");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await AppendManyAsync(bed.Store, streams: 200, eventsPerStream: 10, prefix: "early");
        var v1Node = bed.CreateDaemon("v1-" + suffix, [new AccountBalanceProjection()]);
        await v1Node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");

        // Version 1 keeps its names: progress row, document table, and now a view in front of it.
        Assert.Equal(ProjectionVersionStates.Live, await StateAsync(bed, "account_balance", "v1"));
        Assert.Equal(200, await CountAsync(bed, View));
        Assert.Equal(200, await CountAsync(bed, "projectiongen.doc_account_balance"));

        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(3, stopWriters.Token, streams: 5000);
        using var stopReader = new CancellationTokenSource();
        var observations = new ReaderObservations();
        var reader = ReadContinuouslyAsync(database.ConnectionString, observations, stopReader.Token);
        await Eventually.HoldsAsync(() => observations.Reads > 20, TimeSpan.FromSeconds(30), "the reader is reading");

        // A rolling deploy: a node with version 2 joins; it builds v2 beside v1, which keeps serving and projecting.
        var v2Node = bed.CreateDaemon("v2-" + suffix, [new AccountBalanceV2Projection()]);
        await v2Node.StartAsync(Ct);
        await WaitForStateAsync(bed, "account_balance", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));
        var readsAtSwitch = observations.Reads;
        await Eventually.HoldsAsync(() => observations.Reads > readsAtSwitch + 20, TimeSpan.FromSeconds(30), "the reader reads after the switch");

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance@v2");
        await stopReader.CancelAsync();
        await reader;

        Assert.Empty(observations.Errors);
        Assert.Empty(observations.Decreases);
        Assert.Equal(ProjectionVersionStates.Kept, await StateAsync(bed, "account_balance", "v1"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: "projectiongen.doc_account_balance_v2"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));

        // The old version stops projecting; the switch is in the history and raised on the node that made it.
        await Eventually.HoldsAsync(
            () => v1Node.GetStates().Single(s => s.Projection == "account_balance").Status != AgentStatus.Running,
            TimeSpan.FromSeconds(30),
            "v1's agent stops once v2 is live");
        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.VersionSwitched && e.Projection == "account_balance@v2");
        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.VersionBuildStarted && e.Projection == "account_balance@v2");
        var history = await new ProjectionHistory(bed.Store).ReadAsync(DateTimeOffset.UtcNow.AddHours(-1), cancellationToken: Ct);
        Assert.Contains(history, h => h.Kind == ProjectionHistoryKinds.Switched && h.Projection == "account_balance" && h.Detail!.Contains("v2", StringComparison.Ordinal));

        // Status shows both versions.
        var status = await new ProjectionStatusReader(bed.Store).ReadClusterAsync(Ct);
        Assert.Contains(status.Versions, v => v.Generation == "v2" && v.State == ProjectionVersionStates.Live && v.SwitchedAt is not null && v.Lag == 0);
        Assert.Contains(status.Versions, v => v.Generation == "v1" && v.State == ProjectionVersionStates.Kept);
        Assert.Matches(@"account_balance\s+v2\s+2\s+live\s+doc_account_balance_v2", ProjectionStatusFormatter.ToTable(status));
        Assert.Contains("\"generation\": \"v2\"", ProjectionStatusFormatter.ToJson(status), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kept_version_is_switched_back_to_after_catching_up_and_a_kept_version_is_retired()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_back");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await AppendManyAsync(bed.Store, streams: 50, eventsPerStream: 8, prefix: "a");

        // One node runs both versions (it can serve a switch back).
        var node = bed.CreateDaemon("both-" + suffix, [new AccountBalanceProjection(), new AccountBalanceV2Projection()]);
        await node.StartAsync(Ct);
        await WaitForStateAsync(bed, "account_balance", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(
            () => node.GetStates().Single(s => s.Projection == "account_balance").Status != AgentStatus.Running,
            TimeSpan.FromSeconds(30),
            "v1's agent stops once v2 is live");
        await AppendManyAsync(bed.Store, streams: 30, eventsPerStream: 5, prefix: "b");
        var operations = new ProjectionVersionOperations(bed.Store, [new AccountBalanceV2Projection()]);

        // The kept v1 stands still, owned by nobody: status shows it, and health checks do not count it as unowned or lagging.
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance@v2");
        var monitor = new Health.ProjectionClusterMonitor(
            new ProjectionStatusReader(bed.Store),
            node,
            new Health.ProjectionHealthOptions { UnownedThreshold = TimeSpan.FromMilliseconds(1), LagEventsThreshold = 5, SampleInterval = TimeSpan.FromMilliseconds(100) },
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Health.ProjectionClusterMonitor>.Instance);
        using (var stopMonitor = new CancellationTokenSource())
        {
            var monitoring = monitor.RunAsync(stopMonitor.Token);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!monitor.LatestStatuses.Any(s => s.Projection == "account_balance" && !s.Projected && s.LagEvents >= 150))
            {
                Assert.True(DateTime.UtcNow < deadline, "status shows the kept v1 behind, not projected: " + string.Join("; ", monitor.LatestStatuses.Select(s => $"{s.Projection} projected={s.Projected} lag={s.LagEvents}")));
                await Task.Delay(20, Ct);
            }

            await Eventually.HoldsAsync(
                () => monitor.Evaluate().Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
                TimeSpan.FromSeconds(30),
                "healthy with a kept generation behind: " + monitor.Evaluate().Description);
            await stopMonitor.CancelAsync();
            await monitoring;
        }

        // The live generation cannot be retired; v1 stopped when v2 went live and is behind now.
        await Assert.ThrowsAsync<InvalidOperationException>(() => operations.RetireAsync("account_balance", "v2", Ct));
        await operations.SwitchBackAsync("account_balance", "v1", Ct);
        Assert.Equal(ProjectionVersionStates.Building, await StateAsync(bed, "account_balance", "v1"));
        await WaitForStateAsync(bed, "account_balance", "v1", ProjectionVersionStates.Live, TimeSpan.FromSeconds(60));
        Assert.Equal(ProjectionVersionStates.Kept, await StateAsync(bed, "account_balance", "v2"));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: "projectiongen.doc_account_balance"));

        await operations.RetireAsync("account_balance", "v2", Ct);
        Assert.Equal(ProjectionVersionStates.Retired, await StateAsync(bed, "account_balance", "v2"));
        Assert.False(await ExistsAsync(bed, "projectiongen.doc_account_balance_v2"));
        Assert.DoesNotContain((await bed.ReadPositionsAsync()).Keys, k => k.StartsWith("account_balance@v2", StringComparison.Ordinal));
        await Assert.ThrowsAsync<InvalidOperationException>(() => operations.SwitchBackAsync("account_balance", "v2", Ct));
        var history = await new ProjectionHistory(bed.Store).ReadAsync(DateTimeOffset.UtcNow.AddHours(-1), cancellationToken: Ct);
        Assert.Contains(history, h => h.Kind == ProjectionHistoryKinds.Retired && h.Projection == "account_balance");
        Assert.Equal(2, history.Count(h => h.Kind == ProjectionHistoryKinds.Switched && h.Projection == "account_balance"));

        // Still live and exact afterwards, also after a restart of a node that still has version 2: it recreates v2's
        // empty table and progress rows, but never runs the retired generation.
        await node.StopAsync(Ct);
        var again = bed.CreateDaemon("again-" + suffix, [new AccountBalanceProjection(), new AccountBalanceV2Projection()]);
        await again.StartAsync(Ct);
        await AppendManyAsync(bed.Store, streams: 5, eventsPerStream: 3, prefix: "c");
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));
        Assert.Equal(ProjectionVersionStates.Retired, await StateAsync(bed, "account_balance", "v2"));
        Assert.Equal(0, (await bed.ReadPositionsAsync())["account_balance@v2"]);
        Assert.Equal(0, await CountAsync(bed, "projectiongen.doc_account_balance_v2"));
        Assert.DoesNotContain(again.GetStates(), s => s.Projection.StartsWith("account_balance@v2", StringComparison.Ordinal) && s.Status == AgentStatus.Running);
    }

    [Fact]
    public async Task A_shadow_rebuild_replays_beside_the_live_table_and_switches_readers_without_a_gap()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_shadow");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await AppendManyAsync(bed.Store, streams: 150, eventsPerStream: 10, prefix: "s");
        var first = bed.CreateDaemon("one-" + suffix, [new LedgerProjection(), new AccountBalanceProjection()]);
        var second = bed.CreateDaemon("two-" + suffix, [new LedgerProjection(), new AccountBalanceProjection()]);
        await first.StartAsync(Ct);
        await second.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance", "ledger");

        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token, streams: 3000);
        using var stopReader = new CancellationTokenSource();
        var observations = new ReaderObservations();
        var reader = ReadContinuouslyAsync(database.ConnectionString, observations, stopReader.Token);
        var operations = new ProjectionVersionOperations(bed.Store, [new LedgerProjection(), new AccountBalanceProjection()]);

        // Metrics: the build start (from the operations) and the switch (from the node that made it).
        var measured = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProjectionGenTelemetry.MeterName && instrument.Name.StartsWith("projectiongen.version.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "projection")
                {
                    measured.Enqueue($"{instrument.Name} {tag.Value} {value}");
                }
            }
        });
        listener.Start();
        using var telemetry = new ProjectionGenTelemetry();
        using var watchOperations = telemetry.Attach(operations);
        using var watchFirst = telemetry.Attach(first);
        using var watchSecond = telemetry.Attach(second);
        var shadow = await operations.StartShadowRebuildAsync("account_balance", Ct);
        Assert.Equal("v1b", shadow);
        await Assert.ThrowsAsync<InvalidOperationException>(() => operations.StartShadowRebuildAsync("account_balance", Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => operations.StartShadowRebuildAsync("ledger", Ct));
        await WaitForStateAsync(bed, "account_balance", "v1b", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance@v1b", "ledger");
        await stopReader.CancelAsync();
        await reader;

        Assert.True(observations.Reads > 20, $"the reader read {observations.Reads} times");
        Assert.Empty(observations.Errors);
        Assert.Empty(observations.Decreases);
        Assert.Equal(ProjectionVersionStates.Kept, await StateAsync(bed, "account_balance", "v1"));
        Assert.Contains("projectiongen.version.builds account_balance@v1b 1", measured);
        Assert.Contains("projectiongen.version.switches account_balance@v1b 1", measured);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balanceTable: "projectiongen.doc_account_balance_v1b"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));

        // The next shadow rebuild goes back into lane a (v1), overwriting the kept generation there.
        Assert.Equal("v1", await operations.StartShadowRebuildAsync("account_balance", Ct));
        await WaitForStateAsync(bed, "account_balance", "v1", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));
    }

    [Fact]
    public async Task A_build_interrupted_by_a_lock_loss_and_a_node_restart_resumes_fenced_and_applies_nothing_twice()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_resume");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(bed, "CREATE TABLE build_audit (projection text, epoch bigint, node text, from_position bigint, to_position bigint)");
        const string audit = "INSERT INTO build_audit VALUES ($1, $2, $3, $4, $5)";
        await AppendManyAsync(bed.Store, streams: 400, eventsPerStream: 10, prefix: "r");
        var v1Node = bed.CreateDaemon("v1-" + suffix, [new AccountBalanceProjection()]);
        await v1Node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");

        // The builder: every commit waits a little (the build takes a while); its 5th commit is held at the gate while
        // its lock session is killed.
        var commits = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builderName = "builder-" + suffix;
        var builder = bed.CreateDaemon(builderName, [new AccountBalanceV2Projection()], new DaemonTestHooks
        {
            AuditSql = audit,
            BeforeCommit = async _ =>
            {
                if (Interlocked.Increment(ref commits) == 5)
                {
                    held.SetResult();
                    await release.Task;
                }

                await Task.Delay(30, CancellationToken.None);
            },
        });
        await builder.StartAsync(Ct);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await TerminateAsync(bed, ProjectionDaemon.LockApplicationNameFor(builderName));
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.LockLost && e.Node == builderName),
            TimeSpan.FromSeconds(30),
            "the builder notices its lock loss");
        release.SetResult();
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.LockAcquired && e.Node == builderName && e.Projection == "account_balance@v2") >= 2,
            TimeSpan.FromSeconds(30),
            "the builder takes the build back under a new epoch");
        Assert.Equal(ProjectionVersionStates.Building, await StateAsync(bed, "account_balance", "v2"));

        // Then the builder stops mid-build (a restart): another node with v2 resumes from the committed position.
        await Eventually.HoldsAsync(() => Volatile.Read(ref commits) > 12, TimeSpan.FromSeconds(30), "the builder commits again");
        await builder.StopAsync(Ct);
        Assert.Equal(ProjectionVersionStates.Building, await StateAsync(bed, "account_balance", "v2"));
        var successor = bed.CreateDaemon("successor-" + suffix, [new AccountBalanceV2Projection()], new DaemonTestHooks { AuditSql = audit });
        await successor.StartAsync(Ct);
        await WaitForStateAsync(bed, "account_balance", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance@v2");

        // Nothing applied twice: the committed ranges of v2 are contiguous from 0, under rising epochs, and the documents
        // equal the fold of the events.
        var ranges = await AuditAsync(bed, "account_balance@v2");
        Assert.Equal(0, ranges[0].From);
        for (var i = 1; i < ranges.Count; i++)
        {
            Assert.Equal(ranges[i - 1].To, ranges[i].From);
            Assert.True(ranges[i].Epoch >= ranges[i - 1].Epoch, $"epoch {ranges[i].Epoch} after {ranges[i - 1].Epoch}");
        }

        Assert.True(ranges.Select(r => r.Epoch).Distinct().Count() >= 3, $"epochs: {string.Join(",", ranges.Select(r => r.Epoch).Distinct())}");
        Assert.Contains(ranges, r => r.Node.StartsWith("successor-", StringComparison.Ordinal));
        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.CommitRejected && e.Node == builderName);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: "projectiongen.doc_account_balance_v2"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));
    }

    [Fact]
    public async Task A_projection_that_ran_before_versions_existed_stays_live_while_a_newer_version_builds()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_adopt");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await AppendManyAsync(bed.Store, streams: 20, eventsPerStream: 5, prefix: "o");
        var old = bed.CreateDaemon("old-" + suffix, [new AccountBalanceProjection()]);
        await old.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");
        await old.StopAsync(Ct);

        // As a database from before versions: progress rows and the table, no version rows, no view.
        await ExecuteAsync(bed, "DELETE FROM projectiongen.projection_versions; DROP VIEW projectiongen.account_balance");
        var newer = bed.CreateDaemon("new-" + suffix, [new AccountBalanceV2Projection()]);
        await newer.StartAsync(Ct);
        Assert.Equal(ProjectionVersionStates.Live, await StateAsync(bed, "account_balance", "v1"));
        Assert.Equal(20, await CountAsync(bed, View));
        await WaitForStateAsync(bed, "account_balance", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(60));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));

        // A version older than the live one waits, kept: a v1 node joining now does not build or switch anything.
        var positions = await bed.ReadPositionsAsync();
        var late = bed.CreateDaemon("late-" + suffix, [new AccountBalanceProjection()]);
        await late.StartAsync(Ct);
        await AppendManyAsync(bed.Store, streams: 3, eventsPerStream: 2, prefix: "p");
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance@v2");
        Assert.Equal(ProjectionVersionStates.Kept, await StateAsync(bed, "account_balance", "v1"));
        Assert.Equal(positions["account_balance"], (await bed.ReadPositionsAsync())["account_balance"]);
    }

    [Fact]
    public async Task A_switch_the_server_refuses_is_retried_and_costs_no_lock()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_refused");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await AppendManyAsync(bed.Store, streams: 20, eventsPerStream: 5, prefix: "x");
        var v1Node = bed.CreateDaemon("v1-" + suffix, [new AccountBalanceProjection()]);
        await v1Node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");

        // Someone replaced the view by a table of the same name: CREATE OR REPLACE VIEW fails (42809).
        await ExecuteAsync(bed, "DROP VIEW projectiongen.account_balance; CREATE TABLE projectiongen.account_balance (id text)");
        var builderName = "v2-" + suffix;
        var builder = bed.CreateDaemon(builderName, [new AccountBalanceV2Projection()]);
        await builder.StartAsync(Ct);
        await Eventually.HoldsAsync(() => bed.CountLogLines(1043, "42809") > 0, TimeSpan.FromSeconds(60), "the refused switch is logged");
        Assert.Equal(ProjectionVersionStates.Building, await StateAsync(bed, "account_balance", "v2"));

        // The refusal cost no lock, and once the table is gone the next attempt switches.
        await ExecuteAsync(bed, "DROP TABLE projectiongen.account_balance; SELECT projectiongen.set_projection_view('account_balance')");
        await WaitForStateAsync(bed, "account_balance", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.LockLost && e.Node == builderName);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: View));
    }

    [Fact]
    public async Task The_schema_installer_creates_the_table_of_the_version_a_node_will_build()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_installer");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);

        await Hosting.ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), [new AccountBalanceV2Projection()], Ct);

        Assert.True(await ExistsAsync(bed, "projectiongen.doc_account_balance_v2"));
        Assert.False(await ExistsAsync(bed, "projectiongen.doc_account_balance_v2b"));
    }

    private sealed class ReaderObservations
    {
        private int reads;

        public int Reads => Volatile.Read(ref reads);

        public ConcurrentQueue<string> Errors { get; } = new();

        public ConcurrentQueue<string> Decreases { get; } = new();

        public void Read() => Interlocked.Increment(ref reads);
    }

    /// <summary>Counts the view's rows every few milliseconds; rows of this projection are never deleted, so the count never falls.</summary>
    private static Task ReadContinuouslyAsync(string connectionString, ReaderObservations observations, CancellationToken stop) => Task.Run(async () =>
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        long highest = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var command = new NpgsqlCommand($"SELECT count(*) FROM {View}", connection);
                var count = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
                if (count < highest)
                {
                    observations.Decreases.Enqueue($"{count} rows after {highest}");
                }

                highest = Math.Max(highest, count);
                observations.Read();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                observations.Errors.Enqueue(e.Message);
            }

            try
            {
                await Task.Delay(3, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }, CancellationToken.None);

    private static async Task<bool> ExistsAsync(DaemonTestBed bed, string relation)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = relation });
        return (bool)(await command.ExecuteScalarAsync(Ct))!;
    }

}
