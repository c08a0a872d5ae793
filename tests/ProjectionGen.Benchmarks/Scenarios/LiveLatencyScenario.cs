using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// Live latency: appends at a steady rate while the daemon runs; for each append, the time from its commit
/// (<see cref="AppendResult.LastSequence"/> known) to the first projection commit whose <c>ToPosition</c> covers it.
/// </summary>
public static class LiveLatencyScenario
{
    /// <summary>Runs the steady writer and one daemon node (aggregate and ledger projections) and reports p50/p99/max.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var database = await context.Databases.CreateAsync("live");
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(database);
            var store = ProjectionGenRun.Store(dataSource);
            await store.ApplySchemaAsync(CancellationToken.None);
            await using (var command = dataSource.CreateCommand(LedgerProjection.CreateTableSql))
            {
                await command.ExecuteNonQueryAsync();
            }

            var commits = new ConcurrentDictionary<string, ConcurrentQueue<(long To, long Ticks)>>();
            var daemonOptions = new ProjectionDaemonOptions { ConnectionString = database, NodeName = "live" };
            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var acquired = 0;
            await using var daemon = new ProjectionDaemon(ProjectionGenRun.Store(dataSource), [new BalanceProjection(), new LedgerProjection()], daemonOptions);
            daemon.Lifecycle += (_, e) =>
            {
                var now = Stopwatch.GetTimestamp();
                if (e.Kind == ProjectionLifecycleKind.BatchCommitted)
                {
                    commits.GetOrAdd(e.Projection, _ => new ConcurrentQueue<(long, long)>()).Enqueue((e.ToPosition, now));
                }
                else if (e.Kind == ProjectionLifecycleKind.LockAcquired && Interlocked.Increment(ref acquired) == 2)
                {
                    running.TrySetResult();
                }
            };
            await daemon.StartAsync();
            await running.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var appendsPerSecond = Math.Max(1.0, options.LiveRate / (double)options.LiveEventsPerAppend);
            var eventsPerAppend = Math.Max(1, (int)Math.Round(options.LiveRate / appendsPerSecond));
            var total = (int)(appendsPerSecond * options.LiveDuration.TotalSeconds);
            context.Progress($"live latency: {total:N0} appends of {eventsPerAppend} events at {options.LiveRate:N0} events/s");
            var appends = new List<(long LastSequence, long Ticks)>(total);
            var interval = Stopwatch.Frequency / appendsPerSecond;
            var start = Stopwatch.GetTimestamp();
            var lateAppends = 0;
            for (var i = 0; i < total; i++)
            {
                // An open-loop schedule: each append starts at its slot, or at once when the previous one ran late.
                var due = start + (long)(i * interval);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                }
                else if (i > 0)
                {
                    lateAppends++;
                }

                var stream = i % 1000;
                var events = new object[eventsPerAppend];
                for (var e = 0; e < events.Length; e++)
                {
                    events[e] = WorkloadPlan.Create(stream, e);
                }

                var result = await store.AppendAsync(WorkloadPlan.StreamKey(stream), events, ExpectedVersion.Any);
                appends.Add((result.LastSequence, Stopwatch.GetTimestamp()));
            }

            var achievedRate = total * eventsPerAppend / Stopwatch.GetElapsedTime(start).TotalSeconds;
            var head = appends[^1].LastSequence;
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
            while (commits.Values.Count < 2 || commits.Values.Any(q => q.IsEmpty || q.Max(c => c.To) < head))
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException("The live projections did not reach the head within 30 s of the last append.");
                }

                await Task.Delay(10);
            }

            await daemon.StopAsync();

            var rows = new List<IReadOnlyList<string>>();
            foreach (var (projection, label) in new[] { ("bench_balance", "aggregate"), ("bench_ledger", "event projection (ledger)") })
            {
                var committed = commits[projection].ToArray();
                var latencies = new List<double>(appends.Count);
                var c = 0;
                foreach (var (lastSequence, ticks) in appends)
                {
                    while (committed[c].To < lastSequence)
                    {
                        c++;
                    }

                    // A commit seen before AppendAsync returned to the writer counts as zero latency.
                    latencies.Add(Math.Max(0, (committed[c].Ticks - ticks) * 1000.0 / Stopwatch.Frequency));
                }

                var p50 = Percentiles.Of(latencies, 50);
                var p99 = Percentiles.Of(latencies, 99);
                var max = latencies.Max();
                rows.Add([label, latencies.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), BenchReport.Format(committed.Length, "N0"),
                    BenchReport.Format(p50, "F1"), BenchReport.Format(p99, "F1"), BenchReport.Format(max, "F1")]);
                context.Report.Measure("live", label, "p50_ms", p50, "ms");
                context.Report.Measure("live", label, "p99_ms", p99, "ms");
                context.Report.Measure("live", label, "max_ms", max, "ms");
                if (projection == "bench_balance")
                {
                    context.Report.Below($"live latency p99 at {options.LiveRate:N0} events/s (aggregate)", p99, 100, "F1", " ms");
                }
            }

            context.Report.Add(new ReportSection(
                "Live latency",
                $"One daemon node with both projections while one writer appends {eventsPerAppend} events per append at {options.LiveRate:N0} events/s "
                + $"for {options.LiveDuration.TotalSeconds:F0} s (achieved {achievedRate:N0} events/s; {lateAppends} appends started late). "
                + "Latency: from the append's commit (AppendAsync returned, LastSequence known) to the BatchCommitted event whose ToPosition covers it.",
                ["projection", "appends", "batches", "p50 ms", "p99 ms", "max ms"],
                rows,
                ["Defaults: the daemon wakes on the append's NOTIFY; PollInterval (1 s) is only the fallback."]));
        }
        finally
        {
            await context.Databases.DropAsync(database);
        }
    }
}
