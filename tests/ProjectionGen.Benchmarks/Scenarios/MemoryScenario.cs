using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Guard;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// Peak memory of a daemon node (this process) while the aggregate catches up on many events, next to
/// the smaller catch-up of the throughput table: a node whose memory is bounded by the batch size peaks alike on both.
/// </summary>
public static class MemoryScenario
{
    /// <summary>Seeds <see cref="BenchOptions.MemoryEvents"/> events, catches up, and reports the peaks of every catch-up run.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var plan = new WorkloadPlan(options.MemoryEvents, options.Streams, Math.Max(options.EventsPerAppend, options.MemoryEvents / Math.Max(1, options.Streams)));
        context.Progress($"memory: seeding {plan.Events:N0} events over {plan.Streams:N0} streams");
        var database = await context.Databases.CreateAsync("memory");
        try
        {
            var head = await ProjectionGenRun.SeedAsync(database, plan);
            NpgsqlConnection.ClearAllPools();
            await Databases.SettleAsync(database);
            context.Progress($"memory: aggregate catch-up of {plan.Events:N0} events");
            var result = await ProjectionGenRun.CatchUpAsync(database, new BalanceProjection(), head, CommitFencing.Full, context.CatchUpTimeout);
            await ProjectionGenRun.VerifyBalancesAsync(database, plan);
            context.MemoryRuns.Add(($"aggregate catch-up ({plan.Events:N0} events)", plan.Events, 500, result));
            context.Progress($"memory: {result.Elapsed.TotalSeconds:F1} s, peak working set +{result.PeakWorkingSetDelta / 1048576.0:F0} MiB");
        }
        finally
        {
            await context.Databases.DropAsync(database);
        }

        const double MiB = 1024 * 1024;
        var rows = context.MemoryRuns.Select(run => (IReadOnlyList<string>)
        [
            run.Label, run.Events.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), run.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            BenchReport.Format(run.Result.EventsPerSecond(run.Events), "N0"),
            BenchReport.Format(run.Result.PeakWorkingSet / MiB, "F0"), BenchReport.Format(run.Result.PeakWorkingSetDelta / MiB, "F1"), BenchReport.Format(run.Result.PeakHeapDelta / MiB, "F1"),
        ]).ToList();
        foreach (var run in context.MemoryRuns)
        {
            context.Report.Measure("memory", run.Label, "peak_working_set_delta_mib", run.Result.PeakWorkingSetDelta / MiB, "MiB");
            context.Report.Measure("memory", run.Label, "peak_gc_heap_delta_mib", run.Result.PeakHeapDelta / MiB, "MiB");
        }

        context.Report.Add(new ReportSection(
            "Peak memory during catch-up",
            "This process is the daemon node. Sampled every 10 ms from daemon start to the head, above a baseline taken after a full collection.",
            ["run", "events", "batch size", "events/s", "peak working set MiB", "peak working set Δ MiB", "peak GC heap Δ MiB"],
            rows,
            ["The working set Δ is small because the process already holds the memory of earlier scenarios (the GC keeps freed segments); the GC heap Δ is the telling column.",
             "GC heap Δ includes garbage not yet collected (workstation GC), so it is an upper bound of what a batch keeps alive."]));

        if (context.MemoryRuns.Count(r => r.BatchSize == 500) >= 2)
        {
            var defaults = context.MemoryRuns.Where(r => r.BatchSize == 500).ToList();
            var small = defaults.MinBy(r => r.Events);
            var large = defaults.MaxBy(r => r.Events);
            var growth = large.Result.PeakHeapDelta / Math.Max(1.0, small.Result.PeakHeapDelta);
            var eventsGrowth = large.Events / (double)small.Events;
            var bounded = growth < Math.Max(2, eventsGrowth / 2);
            context.Report.Judge(new TargetCheck(
                "peak memory bounded by batch size",
                $"peak GC heap flat from {small.Events:N0} to {large.Events:N0} events (×{eventsGrowth:F0} events)",
                $"{small.Result.PeakHeapDelta / MiB:F0} → {large.Result.PeakHeapDelta / MiB:F0} MiB (×{growth:F1})",
                bounded,
                bounded ? "met" : $"missed: the heap peak grew ×{growth:F1} with ×{eventsGrowth:F0} events"));
        }
    }
}
