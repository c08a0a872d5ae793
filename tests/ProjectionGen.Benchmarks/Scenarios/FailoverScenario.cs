using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// Failover time: two daemon nodes with default settings and a steady writer. Kill the owner's lock connection (main
/// server), or restart PostgreSQL (a dedicated server); time until a commit under a new epoch.
/// </summary>
public static class FailoverScenario
{
    private sealed record Commit(string Node, long Epoch, long Ticks);

    private sealed record Trial(double FromLossMs, double? FromReadyMs, bool OtherNode);

    /// <summary>Runs both failover kinds and reports p50/p99/max.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var trials = context.Options.FailoverTrials;
        var rows = new List<IReadOnlyList<string>>();

        // The defaults (what the target is about), then the levers: shorter heartbeat and acquire intervals and a shorter reconnect backoff.
        var settings = new (string Label, Action<ProjectionDaemonOptions> Configure, bool Target)[]
        {
            ("defaults", _ => { }, true),
            ("tuned: heartbeat and acquire 250 ms, reconnect backoff 50–250 ms", o =>
            {
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(250);
                o.AcquireInterval = TimeSpan.FromMilliseconds(250);
                o.RetryDelay = TimeSpan.FromMilliseconds(50);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(250);
            }, false),
        };
        foreach (var (label, configure, target) in settings)
        {
            context.Progress($"failover ({label}): {trials} lock-connection kills");
            var database = await context.Databases.CreateAsync("failover");
            try
            {
                var kills = await RunTrialsAsync(context, database, trials, configure, async (owner, _) =>
                {
                    var loss = Stopwatch.GetTimestamp();
                    await context.Databases.Server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(owner));
                    return (loss, (long?)null);
                });
                AddRows(context, rows, $"owner's lock connection killed ({label})", kills, target);
            }
            finally
            {
                await context.Databases.DropAsync(database);
            }

            context.Progress($"failover ({label}): {trials} PostgreSQL restarts on a dedicated server");
            await using var dedicated = await PostgresServer.StartAsync(new PostgresServerOptions { AllowExternal = false });
            var restartDatabase = await new Databases(dedicated).CreateAsync("restart");
            var restarts = await RunTrialsAsync(context, restartDatabase, trials, configure, async (_, _) =>
            {
                var loss = Stopwatch.GetTimestamp();
                await dedicated.RestartAsync(fast: true);
                return (loss, Stopwatch.GetTimestamp());
            });
            AddRows(context, rows, $"PostgreSQL restarted ({label})", restarts, target);
        }

        context.Report.Add(new ReportSection(
            "Failover",
            $"Two daemon nodes (defaults: heartbeat 1 s, acquire interval 1 s ±25 %, reconnect backoff 100 ms doubling to 2 s; then tuned) own one aggregate projection while a writer appends about 100 events/s. "
            + $"{trials} trials per kind; the time runs from the loss (the kill, or the restart's shutdown) to the first commit under a new epoch, "
            + "and for restarts also from the server being ready again (RestartAsync returned).",
            ["fault", "trials", "taken by the other node", "from loss p50 ms", "p99 ms", "max ms", "from ready p50 ms", "p99 ms"],
            rows,
            ["After a lock-connection kill either node may win the lock (the old owner reconnects and contends too); both count as failover.",
             "A kill frees the lock at once: the time is mostly the wait for a node's next acquire attempt (acquire interval, jittered) or the old owner's heartbeat noticing the loss and reconnecting. "
             + "A restart breaks both lock connections; a reconnect attempt that lands while the server is still starting (57P03) doubles the backoff, which gives the slow mode of the restart trials."]));
    }

    private static void AddRows(BenchContext context, List<IReadOnlyList<string>> rows, string fault, List<Trial> trials, bool target)
    {
        var fromLoss = trials.Select(t => t.FromLossMs).ToList();
        var fromReady = trials.Where(t => t.FromReadyMs is not null).Select(t => t.FromReadyMs!.Value).ToList();
        var p99 = Percentiles.Of(fromLoss, 99);
        rows.Add([fault, trials.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), trials.Count(t => t.OtherNode).ToString(System.Globalization.CultureInfo.InvariantCulture),
            BenchReport.Format(Percentiles.Of(fromLoss, 50), "F0"), BenchReport.Format(p99, "F0"), BenchReport.Format(fromLoss.Max(), "F0"),
            fromReady.Count > 0 ? BenchReport.Format(Percentiles.Of(fromReady, 50), "F0") : "–",
            fromReady.Count > 0 ? BenchReport.Format(Percentiles.Of(fromReady, 99), "F0") : "–"]);
        context.Report.Measure("failover", fault, "from_loss_p50_ms", Percentiles.Of(fromLoss, 50), "ms");
        context.Report.Measure("failover", fault, "from_loss_p99_ms", p99, "ms");
        if (fromReady.Count > 0)
        {
            context.Report.Measure("failover", fault, "from_ready_p50_ms", Percentiles.Of(fromReady, 50), "ms");
            context.Report.Measure("failover", fault, "from_ready_p99_ms", Percentiles.Of(fromReady, 99), "ms");
        }

        if (target)
        {
            context.Report.Below($"failover p99: {fault}", p99, 1000, "F0", " ms");
        }
    }

    private static async Task<List<Trial>> RunTrialsAsync(BenchContext context, string connectionString, int count, Action<ProjectionDaemonOptions> configure, Func<string, long, Task<(long Loss, long? Ready)>> fault)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = ProjectionGenRun.Store(dataSource);
        await store.ApplySchemaAsync(CancellationToken.None);

        var commits = new ConcurrentQueue<Commit>();
        var daemons = new List<ProjectionDaemon>();
        foreach (var node in new[] { "node-a", "node-b" })
        {
            var options = new ProjectionDaemonOptions { ConnectionString = connectionString, NodeName = node };
            configure(options);
            var daemon = new ProjectionDaemon(ProjectionGenRun.Store(dataSource), [new BalanceProjection()], options);
            daemon.Lifecycle += (_, e) =>
            {
                if (e.Kind == ProjectionLifecycleKind.BatchCommitted)
                {
                    commits.Enqueue(new Commit(e.Node, e.Epoch, Stopwatch.GetTimestamp()));
                }
            };
            daemons.Add(daemon);
        }

        using var stopWriter = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var i = 0;
            while (!stopWriter.IsCancellationRequested)
            {
                try
                {
                    var stream = i % 500;
                    await store.AppendAsync(WorkloadPlan.StreamKey(stream), [WorkloadPlan.Create(stream, i / 500)], ExpectedVersion.Any, cancellationToken: stopWriter.Token);
                    i++;
                    await Task.Delay(10, stopWriter.Token);
                }
                catch (OperationCanceledException) when (stopWriter.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception failure) when (failure is NpgsqlException or IOException or TimeoutException)
                {
                    // The server is restarting: try again shortly.
                    await Task.Delay(50, CancellationToken.None);
                }
            }
        });

        var results = new List<Trial>();
        try
        {
            foreach (var daemon in daemons)
            {
                await daemon.StartAsync();
            }

            for (var trial = 0; trial < count; trial++)
            {
                var (owner, epoch) = await WaitForSteadyOwnerAsync(commits);
                var (loss, ready) = await fault(owner, epoch);
                var deadline = loss + Stopwatch.Frequency * 60;
                Commit? next = null;
                while (next is null)
                {
                    next = commits.FirstOrDefault(c => c.Epoch > epoch && c.Ticks >= loss);
                    if (next is null)
                    {
                        if (Stopwatch.GetTimestamp() > deadline)
                        {
                            throw new TimeoutException($"No commit under a new epoch within 60 s of failover trial {trial + 1}.");
                        }

                        await Task.Delay(5);
                    }
                }

                var fromLoss = (next.Ticks - loss) * 1000.0 / Stopwatch.Frequency;
                double? fromReady = ready is { } r ? Math.Max(0, (next.Ticks - r) * 1000.0 / Stopwatch.Frequency) : null;
                results.Add(new Trial(fromLoss, fromReady, next.Node != owner));
                context.Progress($"  trial {trial + 1}: {fromLoss:F0} ms from loss{(fromReady is { } f ? $", {f:F0} ms from ready" : "")}, taken by {next.Node}");
            }
        }
        finally
        {
            await stopWriter.CancelAsync();
            await writer;
            foreach (var daemon in daemons)
            {
                await daemon.DisposeAsync();
            }
        }

        return results;
    }

    /// <summary>Waits until commits flow under one epoch for a moment and returns that owner and epoch.</summary>
    private static async Task<(string Owner, long Epoch)> WaitForSteadyOwnerAsync(ConcurrentQueue<Commit> commits)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(300);
            var recent = commits.Where(c => c.Ticks > Stopwatch.GetTimestamp() - Stopwatch.Frequency / 4).ToList();
            if (recent.Count > 0 && recent.Select(c => c.Epoch).Distinct().Count() == 1)
            {
                var maxEpoch = commits.Max(c => c.Epoch);
                if (recent[0].Epoch == maxEpoch)
                {
                    return (recent[0].Node, maxEpoch);
                }
            }
        }

        throw new TimeoutException("No node committed steadily within 60 s.");
    }
}
