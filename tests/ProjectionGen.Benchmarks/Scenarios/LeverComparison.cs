using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Daemon;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// Issue 14's levers side by side on the same seeded events: each variant switches the daemon's internal lever
/// switches, the variants alternate in rotated order (so drifts of this shared machine's load hit each alike), and
/// every run is checked for correctness like the catch-up table's.
/// </summary>
public static class LeverComparison
{
    /// <summary>Npgsql's automatic preparation on the daemon's batch connections (reads and commits): <c>Max Auto Prepare=20</c>, <c>Auto Prepare Min Usages=2</c>.</summary>
    private static void AutoPrepare(ProjectionDaemonOptions options) =>
        options.ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString) { MaxAutoPrepare = 20, AutoPrepareMinUsages = 2 }.ConnectionString;

    /// <summary>Runs the variants and adds the "Levers" section.</summary>
    /// <param name="context">The run.</param>
    /// <param name="plan">The seeded workload.</param>
    /// <param name="project">Runs one catch-up on a fresh copy of the seeded database and checks it.</param>
    public static async Task RunAsync(BenchContext context, WorkloadPlan plan, Func<IGeneratedProjection, string, Action<ProjectionDaemonOptions>, Task<CatchUpResult>> project)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(project);
        var variants = new (string Name, Func<IGeneratedProjection> Projection, Action<ProjectionDaemonOptions> Configure)[]
        {
            ("aggregate: before (sequential: read, document load, commit; batches of 500)", () => new BalanceProjection(), o => { o.ReadAhead = false; o.FoldDocumentLoad = false; o.CatchUpBatchSize = 500; }),
            ("aggregate: lever 2, document load folded into the read", () => new BalanceProjection(), o => { o.ReadAhead = false; o.FoldDocumentLoad = true; o.CatchUpBatchSize = 500; }),
            ("aggregate: lever 1, read ahead", () => new BalanceProjection(), o => { o.ReadAhead = true; o.FoldDocumentLoad = false; o.CatchUpBatchSize = 500; }),
            ("aggregate: levers 1 + 2", () => new BalanceProjection(), o => { o.ReadAhead = true; o.FoldDocumentLoad = true; o.CatchUpBatchSize = 500; }),
            ("aggregate: levers 1 + 3, catch-up batches up to 2,000 (shipped defaults)", () => new BalanceProjection(), _ => { }),
            ("aggregate: levers 1 + 2 + 3", () => new BalanceProjection(), o => o.FoldDocumentLoad = true),
            ("aggregate: levers 1 + 3, catch-up batches up to 5,000", () => new BalanceProjection(), o => o.CatchUpBatchSize = 5_000),
            ("event projection (ledger): before (sequential, batches of 500)", () => new LedgerProjection(), o => { o.ReadAhead = false; o.CatchUpBatchSize = 500; }),
            ("event projection (ledger): lever 1, read ahead", () => new LedgerProjection(), o => { o.ReadAhead = true; o.CatchUpBatchSize = 500; }),
            ("event projection (ledger): levers 1 + 3 (shipped defaults)", () => new LedgerProjection(), _ => { }),
            ("event projection (ledger): writer.Execute + auto-prepare", () => new LedgerProjection(), AutoPrepare),
            ("event projection (ledger rows): writer.Insert, one unnest INSERT per run (shipped defaults)", () => new LedgerRowProjection(), _ => { }),
            ("event projection (ledger rows): writer.Insert, binary COPY per run", () => new LedgerRowProjection(), o => o.RowCopyThreshold = 1),
            ("event projection (ledger rows): writer.Insert, binary COPY from 1,000 rows", () => new LedgerRowProjection(), o => o.RowCopyThreshold = 1_000),
            ("event projection (ledger rows): writer.Insert + auto-prepare", () => new LedgerRowProjection(), AutoPrepare),
            ("aggregate: shipped defaults + auto-prepare", () => new BalanceProjection(), AutoPrepare),
        };
        var runs = variants.Select(_ => new List<CatchUpResult>()).ToArray();
        var repeats = Math.Max(1, context.Options.GuardRepeats);
        for (var r = 0; r < repeats; r++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var i = (k + r) % variants.Length;
                var (name, projection, configure) = variants[i];
                runs[i].Add(await project(projection(), $"lever {name} (run {r + 1})", configure));
            }
        }

        var rows = new List<IReadOnlyList<string>>();
        for (var i = 0; i < variants.Length; i++)
        {
            var best = runs[i].MinBy(x => x.Elapsed)!;
            var median = runs[i].Select(x => x.Elapsed.TotalSeconds).Order().ElementAt(runs[i].Count / 2);
            var loop = best.BatchLoop.TotalMilliseconds / Math.Max(1, best.Batches);
            rows.Add([variants[i].Name,
                string.Join(" / ", runs[i].Select(x => BenchReport.Format(x.Elapsed.TotalSeconds, "F2"))),
                BenchReport.Format(best.EventsPerSecond(plan.Events), "N0"),
                BenchReport.Format(plan.Events / median, "N0"),
                BenchReport.Format(loop, "F2"),
                BenchReport.Format(best.CommitTime.TotalMilliseconds / Math.Max(1, best.Batches), "F2")]);
            context.Report.Measure("levers", variants[i].Name, "best_events_per_second", best.EventsPerSecond(plan.Events), "events/s");
            context.Report.Measure("levers", variants[i].Name, "median_events_per_second", plan.Events / median, "events/s");
        }

        context.Report.Add(new ReportSection(
            "Levers (issue 14), side by side",
            $"{plan.Events:N0} events over {plan.Streams:N0} streams, batch size 500, default options but for the lever switches (the internal ReadAhead, on by default, FoldDocumentLoad, off by default, CatchUpBatchSize and RowCopyThreshold, never by default) or the connection string (auto-prepare); "
            + $"{repeats} runs per variant, alternating in rotated order; each run on a fresh copy of the seeded database and checked.",
            ["variant", "runs (s)", "best events/s", "median events/s", "batch loop ms per batch (best run)", "commit ms per batch (best run)"],
            rows,
            ["The commit is timed from the batch's commit call to its BatchCommitted event; with the read ahead the next batch's read runs meanwhile on a second connection.",
             "Differences within about 10 % are inside this shared 2-core machine's run-to-run noise (compare the runs column)."]));
    }
}
