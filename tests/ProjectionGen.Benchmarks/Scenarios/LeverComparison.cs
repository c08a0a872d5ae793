using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Daemon;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// The daemon's throughput levers side by side on the same seeded events: each variant switches the daemon's internal lever
/// switches, the variants alternate in rotated order (so drifts of this shared machine's load hit each alike), and
/// every run is checked for correctness like the catch-up table's.
/// </summary>
public static class LeverComparison
{
    /// <summary>Npgsql's automatic preparation on the daemon's batch connections (reads and commits): <c>Max Auto Prepare=20</c>, <c>Auto Prepare Min Usages=2</c>.</summary>
    private static void AutoPrepare(ProjectionDaemonOptions options) =>
        options.ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString) { MaxAutoPrepare = 20, AutoPrepareMinUsages = 2 }.ConnectionString;

    /// <summary>The daemon's internal levers as shipped.</summary>
    private static DaemonTestHooks Same(DaemonTestHooks hooks) => hooks;

    /// <summary>Runs the variants and adds the "Levers" section.</summary>
    /// <param name="context">The run.</param>
    /// <param name="plan">The seeded workload.</param>
    /// <param name="project">Runs one catch-up on a fresh copy of the seeded database and checks it.</param>
    /// <remarks>
    /// Lever 4 (generated System.Text.Json contracts, docs/generator.md) is compared by its "generated JSON contracts"
    /// variants: the shipped defaults with the event store's and the documents' options set to the web defaults over the
    /// generated contracts alone, which is the runtime's default in a trimmed or AOT application; the "reflection"
    /// variants run the runtime's default where reflection is enabled.
    /// </remarks>
    internal static async Task RunAsync(BenchContext context, WorkloadPlan plan, Func<IGeneratedProjection, string, Action<ProjectionDaemonOptions>, Func<DaemonTestHooks, DaemonTestHooks>, bool, Task<CatchUpResult>> project)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(project);
        var all = new (string Name, Func<IGeneratedProjection> Projection, Action<ProjectionDaemonOptions> Configure, Func<DaemonTestHooks, DaemonTestHooks> Tune, bool GeneratedJson)[]
        {
            ("aggregate: before (sequential: read, document load, commit; batches of 500)", () => new BalanceProjection(), o => o.CatchUpBatchSize = 500, h => h with { ReadAhead = false, FoldDocumentLoad = false }, false),
            ("aggregate: lever 2, document load folded into the read", () => new BalanceProjection(), o => o.CatchUpBatchSize = 500, h => h with { ReadAhead = false, FoldDocumentLoad = true }, false),
            ("aggregate: lever 1, read ahead", () => new BalanceProjection(), o => o.CatchUpBatchSize = 500, h => h with { ReadAhead = true, FoldDocumentLoad = false }, false),
            ("aggregate: levers 1 + 2", () => new BalanceProjection(), o => o.CatchUpBatchSize = 500, h => h with { ReadAhead = true, FoldDocumentLoad = true }, false),
            ("aggregate: levers 1 + 3, catch-up batches up to 2,000 (shipped defaults)", () => new BalanceProjection(), _ => { }, Same, false),
            ("aggregate: levers 1 + 2 + 3", () => new BalanceProjection(), _ => { }, h => h with { FoldDocumentLoad = true }, false),
            ("aggregate: levers 1 + 3, catch-up batches up to 5,000", () => new BalanceProjection(), o => o.CatchUpBatchSize = 5_000, Same, false),
            ("event projection (ledger): before (sequential, batches of 500)", () => new LedgerProjection(), o => o.CatchUpBatchSize = 500, h => h with { ReadAhead = false }, false),
            ("event projection (ledger): lever 1, read ahead", () => new LedgerProjection(), o => o.CatchUpBatchSize = 500, h => h with { ReadAhead = true }, false),
            ("event projection (ledger): levers 1 + 3 (shipped defaults)", () => new LedgerProjection(), _ => { }, Same, false),
            ("aggregate: shipped defaults, generated JSON contracts (lever 4)", () => new BalanceProjection(), _ => { }, Same, true),
            ("aggregate: shipped defaults, reflection JSON contracts (the default where reflection is enabled)", () => new BalanceProjection(), _ => { }, Same, false),
            ("event projection (ledger): shipped defaults, generated JSON contracts (lever 4)", () => new LedgerProjection(), _ => { }, Same, true),
            ("event projection (ledger): shipped defaults, reflection JSON contracts (the default where reflection is enabled)", () => new LedgerProjection(), _ => { }, Same, false),
            ("event projection (ledger): writer.Execute + auto-prepare", () => new LedgerProjection(), AutoPrepare, Same, false),
            ("event projection (ledger rows): writer.Insert, one unnest INSERT per run (shipped defaults)", () => new LedgerRowProjection(), _ => { }, Same, false),
            ("event projection (ledger rows): writer.Insert, binary COPY per run", () => new LedgerRowProjection(), _ => { }, h => h with { RowCopyThreshold = 1 }, false),
            ("event projection (ledger rows): writer.Insert, binary COPY from 1,000 rows", () => new LedgerRowProjection(), _ => { }, h => h with { RowCopyThreshold = 1_000 }, false),
            ("event projection (ledger rows): writer.Insert + auto-prepare", () => new LedgerRowProjection(), AutoPrepare, Same, false),
            ("aggregate: shipped defaults + auto-prepare", () => new BalanceProjection(), AutoPrepare, Same, false),
        };
        var variants = all.Where(v => context.Options.LeverFilter is not { } filter || v.Name.Contains(filter, StringComparison.Ordinal)).ToArray();
        var runs = variants.Select(_ => new List<CatchUpResult>()).ToArray();
        var repeats = Math.Max(1, context.Options.GuardRepeats);
        for (var r = 0; r < repeats; r++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var i = (k + r) % variants.Length;
                var (name, projection, configure, tune, generatedJson) = variants[i];
                runs[i].Add(await project(projection(), $"lever {name} (run {r + 1})", configure, tune, generatedJson));
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
        ReportJsonContracts(context, plan, variants.Select(v => v.Name).ToArray(), runs, repeats);
    }

    /// <summary>Lever 4 as paired rounds: each round's generated-contracts run against its reflection-contracts run.</summary>
    private static void ReportJsonContracts(BenchContext context, WorkloadPlan plan, string[] names, List<CatchUpResult>[] runs, int repeats)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var kind in new[] { "aggregate", "event projection (ledger)" })
        {
            var generated = Array.FindIndex(names, n => n.StartsWith(kind + ": shipped defaults, generated JSON", StringComparison.Ordinal));
            var reflection = Array.FindIndex(names, n => n.StartsWith(kind + ": shipped defaults, reflection JSON", StringComparison.Ordinal));
            if (generated < 0 || reflection < 0)
            {
                continue;
            }

            // Positive: the generated contracts are faster in that round.
            var gains = runs[generated].Zip(runs[reflection], (g, r) => (r.Elapsed.TotalSeconds / g.Elapsed.TotalSeconds - 1) * 100).Order().ToList();
            var median = gains[gains.Count / 2];
            rows.Add([kind,
                BenchReport.Format(plan.Events / runs[reflection].Select(x => x.Elapsed.TotalSeconds).Order().ElementAt(repeats / 2), "N0"),
                BenchReport.Format(plan.Events / runs[generated].Select(x => x.Elapsed.TotalSeconds).Order().ElementAt(repeats / 2), "N0"),
                BenchReport.Format(median, "F1") + " %",
                $"{BenchReport.Format(gains[0], "F1")} to {BenchReport.Format(gains[^1], "F1")} %"]);
            context.Report.Measure("levers", kind + ": generated JSON contracts", "median_paired_gain", median, "%");
        }

        if (rows.Count > 0)
        {
            var (read, write) = SerializationCost();
            rows.Add(["in process: read one event body (ns)", BenchReport.Format(read.Reflection, "F0"), BenchReport.Format(read.Generated, "F0"),
                BenchReport.Format((read.Reflection / read.Generated - 1) * 100, "F1") + " %", "median of 15 alternating rounds"]);
            rows.Add(["in process: write one summary document (ns)", BenchReport.Format(write.Reflection, "F0"), BenchReport.Format(write.Generated, "F0"),
                BenchReport.Format((write.Reflection / write.Generated - 1) * 100, "F1") + " %", "median of 15 alternating rounds"]);
            context.Report.Measure("levers", "generated JSON contracts: read one event body", "ns", read.Generated, "ns");
            context.Report.Measure("levers", "reflection JSON contracts: read one event body", "ns", read.Reflection, "ns");
            context.Report.Add(new ReportSection(
                "Lever 4: generated JSON contracts against reflection contracts (paired rounds)",
                $"{plan.Events:N0} events, shipped defaults; in each of {repeats} rounds both variants run on fresh copies of the seeded database; the gain of a round is the reflection run's time over the generated run's, minus 1.",
                ["projection", "median events/s, reflection contracts", "median events/s, generated contracts", "gain: median of the rounds", "min to max"],
                rows,
                ["The generated contracts are needed for trimming and AOT either way (docs/generator.md, JSON contracts).",
                 "The in-process rows time System.Text.Json alone with each variant's options (no database): reading a FundsDeposited body and writing a BalanceSummary, 20,000 of each per round."]));
        }
    }

    /// <summary>Nanoseconds per event body read and per summary written, generated against reflection contracts (medians of alternating rounds).</summary>
    private static ((double Generated, double Reflection) Read, (double Generated, double Reflection) Write) SerializationCost()
    {
        var generated = Infrastructure.ProjectionGenRun.GeneratedJson();
        var reflection = Infrastructure.ProjectionGenRun.ReflectionJson();
        const int Operations = 20_000;
        const string Body = """{"account":"acc-00042","amount":17}""";
        var summary = new BalanceSummary { Balance = 1234, Events = 56 };
        var read = (Generated: new List<double>(), Reflection: new List<double>());
        var write = (Generated: new List<double>(), Reflection: new List<double>());
        double Time(System.Text.Json.JsonSerializerOptions options, bool reading)
        {
            var deposited = options.GetTypeInfo(typeof(FundsDeposited));
            var summaries = options.GetTypeInfo(typeof(BalanceSummary));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < Operations; i++)
            {
                if (reading)
                {
                    System.Text.Json.JsonSerializer.Deserialize(Body, deposited);
                }
                else
                {
                    System.Text.Json.JsonSerializer.Serialize(summary, summaries);
                }
            }

            return clock.Elapsed.TotalMilliseconds * 1_000_000 / Operations;
        }

        Time(generated, true);
        Time(reflection, true);
        Time(generated, false);
        Time(reflection, false);
        for (var round = 0; round < 15; round++)
        {
            // Alternating which variant goes first, so a drift of the machine's load hits both alike.
            foreach (var reading in new[] { true, false })
            {
                var (g, r) = reading ? read : write;
                if (round % 2 == 0)
                {
                    g.Add(Time(generated, reading));
                    r.Add(Time(reflection, reading));
                }
                else
                {
                    r.Add(Time(reflection, reading));
                    g.Add(Time(generated, reading));
                }
            }
        }

        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        return ((Median(read.Generated), Median(read.Reflection)), (Median(write.Generated), Median(write.Reflection)));
    }
}
