using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The pooler acceptance with the sample's own processes (docs/operations.md, "Behind a connection pooler"): three
/// <c>node --lock-connection &lt;direct&gt; --no-prepare</c> processes with their batches through a real PgBouncer in
/// transaction mode catch up a backlog of 50,000 events appended while they were stopped, then keep going while four
/// writer processes append through the pooler, the pooler restarts and the pooler's server connections (the batches' and
/// the writers') are terminated: <c>verify</c> reports exactly once, <c>status --json</c> shows no paused slot and every
/// slot at the high-water mark, and every node is still running. A node whose batches go through the pooler with prepared statements left on
/// is refused at start with the message.
/// </summary>
public sealed class OrdersPoolerAcceptanceTests(PostgresFixture postgres)
{
    private const int Backlog = 50_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_node_processes_behind_a_transaction_pooler_catch_up_50000_events_and_survive_a_pooler_restart_and_terminated_backends_exactly_once()
    {
        SkipWithoutPgBouncer();
        await using var database = await postgres.CreateDatabaseAsync("orders_pool_accept");
        await using var proxy = await PgBouncerProxy.StartAsync(postgres.Server, PgBouncerPoolMode.Transaction, Ct);
        var direct = database.ConnectionString;
        var pooled = new NpgsqlConnectionStringBuilder(proxy.ConnectionString) { Database = database.Name, Pooling = true, MaxPoolSize = 8 }.ConnectionString;

        // The backlog, appended through the pooler while no node runs: 2,500 orders of 20 events from four writers.
        var (appendExit, appendOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(3), "append", "--connection", pooled, "--schema-connection", direct, "--no-prepare", "--streams", (Backlog / 20).ToString(System.Globalization.CultureInfo.InvariantCulture), "--events", "20", "--writers", "4");
        Assert.True(appendExit == 0, appendOutput);
        Assert.Contains($"appended {Backlog} events", appendOutput, StringComparison.Ordinal);

        var nodes = new List<SampleApp>();
        try
        {
            var watch = Stopwatch.StartNew();
            for (var n = 1; n <= 3; n++)
            {
                nodes.Add(SampleApp.Start("node", "--connection", pooled, "--lock-connection", direct, "--no-prepare", "--node", $"pool-accept-{n}"));
            }

            var caughtUp = await CaughtUpWithinAsync(direct, TimeSpan.FromMinutes(4));
            Log($"catch-up of {Backlog} events by 3 node processes through the pooler: {watch.Elapsed.TotalSeconds:F1} s (caught up: {caughtUp})");
            Assert.True(caughtUp, "the nodes did not catch up with the backlog:\n" + string.Join("\n", nodes.Select(n => n.Output)));

            // Four writer processes through the pooler, each appending small batches of orders again and again, while
            // the pooler restarts and the batches' server connections are terminated. An append that fails in a fault
            // exits non-zero (what it committed stays committed; verify compares with what is in the events table).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var writers = Enumerable.Range(0, 4).Select(_ => WriteUntilStoppedAsync(pooled, stop.Token)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            await proxy.RestartAsync(Ct);
            Log("pooler restarted");
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            var terminated = await TerminatePoolerBackendsAsync(direct);
            Log($"terminated {terminated} server connections of the pooler");
            Assert.True(terminated > 0, "no server connection of the pooler to terminate");
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            await stop.CancelAsync();
            var runs = await Task.WhenAll(writers);
            Log($"writer runs: {runs.Sum(r => r.Succeeded)} succeeded, {runs.Sum(r => r.Failed)} failed (in the faults)");
            Assert.True(runs.Sum(r => r.Succeeded) > 0, "no writer run succeeded");

            Assert.True(await CaughtUpWithinAsync(direct, TimeSpan.FromMinutes(2)), "a slot did not reach the high-water mark after the faults (a node stuck)");
            Assert.True(await SampleApp.VerifiesWithinAsync(direct, TimeSpan.FromMinutes(2)), "verify never reported exactly-once");
            var status = await StatusAsync(direct);
            Assert.NotNull(status);
            Assert.DoesNotContain(status.Value.Slots, s => s.State == "paused");
            Assert.All(nodes, n => Assert.False(n.HasExited, "a node exited:\n" + n.Output));

            var exits = new List<int>();
            foreach (var node in nodes)
            {
                exits.Add(await node.TerminateAsync(TimeSpan.FromSeconds(30)));
            }

            var output = string.Join("\n", nodes.Select((n, i) => $"node pool-accept-{i + 1}:\n{n.Output}"));
            Log(output);
            Assert.All(exits, e => Assert.Equal(0, e));
            Assert.DoesNotContain("Agent paused", output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_node_process_with_batches_through_a_pooler_and_prepared_statements_left_on_is_refused_at_start_with_the_message()
    {
        SkipWithoutPgBouncer();
        await using var database = await postgres.CreateDatabaseAsync("orders_pool_prep");
        await using var proxy = await PgBouncerProxy.StartAsync(postgres.Server, PgBouncerPoolMode.Transaction, Ct);
        var direct = database.ConnectionString;
        var pooled = new NpgsqlConnectionStringBuilder(proxy.ConnectionString) { Database = database.Name, Pooling = true }.ConnectionString;

        // No --no-prepare: the node's statements are prepared (the default) on batch connections through the pooler.
        await using var node = SampleApp.Start("node", "--connection", pooled, "--lock-connection", direct, "--node", "pool-prep-1");
        var exit = await node.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Log(node.Output);
        Assert.NotEqual(0, exit);
        Assert.Contains("pooler", node.Output, StringComparison.Ordinal);
        Assert.Contains("EventStoreOptions.PrepareStatements", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(direct).Password!, node.Output, StringComparison.Ordinal);

        // It took nothing: no slot has an owner.
        var status = await StatusAsync(direct);
        Assert.NotNull(status);
        Assert.DoesNotContain(status.Value.Slots, s => s.Owner is not null);
    }

    private static async Task<(int Succeeded, int Failed)> WriteUntilStoppedAsync(string pooled, CancellationToken stop)
    {
        var (succeeded, failed) = (0, 0);
        while (!stop.IsCancellationRequested)
        {
            var (exit, _) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "append", "--connection", pooled, "--no-prepare", "--streams", "10", "--events", "5", "--writers", "1");
            if (exit == 0)
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }

        return (succeeded, failed);
    }

    /// <summary>
    /// Terminates the pooler's server connections: every session in the database but the nodes' lock connections (direct)
    /// and this one. The nodes' batches and the writers share the pooler's server connections, and a server connection
    /// shows the application name of the client that used it last, so the batches' cannot be told apart by name.
    /// </summary>
    private static async Task<long> TerminatePoolerBackendsAsync(string direct)
    {
        await using var admin = new NpgsqlConnection(direct);
        await admin.OpenAsync(Ct);
        await using var terminate = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            + "AND backend_type = 'client backend' AND application_name NOT LIKE 'projectiongen-lock:%'",
            admin);
        return (long)(await terminate.ExecuteScalarAsync(Ct))!;
    }

    /// <summary>Whether <c>status --json</c> shows every slot owned by a live node and at the high-water mark within <paramref name="timeout"/>.</summary>
    private static async Task<bool> CaughtUpWithinAsync(string direct, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; DateTime.UtcNow < deadline; await Task.Delay(500, Ct))
        {
            if (await StatusAsync(direct) is { } status && status.Slots.Count > 0 && status.HighWaterMark > 0
                && status.Slots.All(s => s.Owner is not null && s.OwnerAlive && s.LagEvents == 0 && s.State != "paused"))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<(IReadOnlyList<Slot> Slots, long HighWaterMark)?> StatusAsync(string direct)
    {
        var (exit, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "status", "--connection", direct, "--json");
        var start = output.IndexOf('{', StringComparison.Ordinal);
        if (exit != 0 || start < 0)
        {
            return null;
        }

        using var json = JsonDocument.Parse(output[start..]);
        var slots = json.RootElement.GetProperty("projections").EnumerateArray().Select(s => new Slot(
            s.GetProperty("projection").GetString()!,
            s.GetProperty("owner").ValueKind == JsonValueKind.String ? s.GetProperty("owner").GetString() : null,
            s.GetProperty("ownerAlive").GetBoolean(),
            s.GetProperty("lagEvents").GetInt64(),
            s.GetProperty("state").GetString()!)).ToList();
        var highWaterMark = json.RootElement.GetProperty("projections").EnumerateArray().Select(s => s.GetProperty("highWaterMark").GetInt64()).DefaultIfEmpty(0).Max();
        return (slots, highWaterMark);
    }

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);

    private static void SkipWithoutPgBouncer()
    {
        if (PgBouncerProxy.FindBinary() is null)
        {
            Assert.Skip("pgbouncer is not installed (build/test.sh installs it on Debian as root).");
        }
    }

    private sealed record Slot(string Projection, string? Owner, bool OwnerAlive, long LagEvents, string State);
}
