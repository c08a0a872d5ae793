using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Guard;
using ProjectionGen.Testing;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// Catch-up behind a connection pooler: the same seeded events caught up by one node directly (the shipped defaults,
/// statements prepared), directly without prepared statements, and with its batches through a PgBouncer in transaction
/// mode started by this scenario (statements not prepared, the lock connection direct: docs/operations.md, "Behind a
/// connection pooler"), alternated round by round on fresh copies of one template; the ratio pooled / direct is the figure.
/// </summary>
public static class PoolerCatchUpScenario
{
    private const string Title = "Catch-up behind a pooler (PgBouncer, transaction mode)";

    /// <summary>Runs the three variants for the aggregate and the event projection and adds the pooler table.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var plan = new WorkloadPlan(options.PoolerEvents, Math.Min(options.Streams, Math.Max(1, options.PoolerEvents / 20)), options.EventsPerAppend);
        if (PgBouncerProxy.FindBinary() is null)
        {
            context.Progress("pooler: pgbouncer is not installed, scenario skipped");
            context.Report.Add(new ReportSection(Title, "Not run: pgbouncer is not installed (Debian: apt-get install pgbouncer).", ["variant"], [], []));
            return;
        }

        context.Progress($"pooler: seeding {plan.Events:N0} events over {plan.Streams:N0} streams");
        var template = await context.Databases.CreateAsync("pool_seed");
        var head = await ProjectionGenRun.SeedAsync(template, plan);
        NpgsqlConnection.ClearAllPools();
        await Databases.SettleAsync(template);

        await using var proxy = await PgBouncerProxy.StartAsync(context.Databases.Server, PgBouncerPoolMode.Transaction);
        var version = await PgBouncerVersionAsync();
        var variants = new[] { Variant.Direct, Variant.DirectUnprepared, Variant.Pooled };
        var projections = new (string Name, Func<IGeneratedProjection> Create)[] { ("aggregate", () => new BalanceProjection()), ("event projection (ledger rows)", () => new LedgerRowProjection()) };
        var runs = projections.ToDictionary(p => p.Name, _ => variants.ToDictionary(v => v, _ => new List<CatchUpResult>()));
        var repeats = Math.Max(1, options.GuardRepeats);
        for (var r = 0; r < repeats; r++)
        {
            foreach (var (name, create) in projections)
            {
                // Rotated each round, so no variant always runs first after a copy.
                foreach (var variant in variants.Skip(r % variants.Length).Concat(variants.Take(r % variants.Length)))
                {
                    var database = await context.Databases.CreateAsync("pool_run", template);
                    try
                    {
                        var result = await CatchUpAsync(context, proxy, database, create(), head, variant);
                        if (name == "aggregate")
                        {
                            await ProjectionGenRun.VerifyBalancesAsync(database, plan);
                        }
                        else
                        {
                            await ProjectionGenRun.VerifyLedgerAsync(database, plan);
                        }

                        runs[name][variant].Add(result);
                        context.Progress($"pooler: {name}, {Describe(variant)} (run {r + 1}): {result.Elapsed.TotalSeconds:F2} s, {result.EventsPerSecond(plan.Events):N0} events/s");
                    }
                    finally
                    {
                        await context.Databases.DropAsync(database);
                    }
                }
            }
        }

        await context.Databases.DropAsync(template);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (name, _) in projections)
        {
            var direct = Best(runs[name][Variant.Direct]);
            foreach (var variant in variants)
            {
                var best = Best(runs[name][variant]);
                var ratio = best.Elapsed.TotalSeconds / direct.Elapsed.TotalSeconds;
                rows.Add([name, Describe(variant), string.Join(" / ", runs[name][variant].Select(x => BenchReport.Format(x.Elapsed.TotalSeconds, "F2"))),
                    BenchReport.Format(best.EventsPerSecond(plan.Events), "N0"), variant == Variant.Direct ? "baseline" : BenchReport.Format(ratio, "F2") + "×"]);
                context.Report.Measure("pooler", $"{name}, {Describe(variant)}", "seconds", best.Elapsed.TotalSeconds, "s");
                context.Report.Measure("pooler", $"{name}, {Describe(variant)}", "events_per_second", best.EventsPerSecond(plan.Events), "events/s");
            }

            context.Report.Below($"{name} catch-up through the pooler vs direct (time ratio)", Best(runs[name][Variant.Pooled]).Elapsed.TotalSeconds / direct.Elapsed.TotalSeconds, 2, "F2", "×");
        }

        context.Report.Add(new ReportSection(
            Title,
            $"{plan.Events:N0} events over {plan.Streams:N0} streams caught up by one node, each run on a fresh copy of one seeded template, the variants rotated round by round ({repeats} rounds); "
            + $"the pooler is PgBouncer {version} in transaction mode started by the run (default_pool_size 20), the node's batches and its store through it, its lock connection direct, as docs/operations.md \"Behind a connection pooler\" says.",
            ["projection", "variant", "runs (s)", "events/s (best)", "time vs direct (best vs best)"],
            rows,
            ["Direct runs with the shipped defaults (statements prepared); the second row leaves statements unprepared without a pooler, so the pooler's own cost is the third row against the second.",
             "Correctness is checked after every run (every event applied, the expected totals)."]));
    }

    private static async Task<CatchUpResult> CatchUpAsync(BenchContext context, PgBouncerProxy proxy, string database, IGeneratedProjection projection, long head, Variant variant)
    {
        if (variant != Variant.Pooled)
        {
            return await ProjectionGenRun.CatchUpAsync(database, projection, head, CommitFencing.Full, context.CatchUpTimeout, prepareStatements: variant == Variant.Direct);
        }

        var pooled = new NpgsqlConnectionStringBuilder(proxy.ConnectionString) { Database = new NpgsqlConnectionStringBuilder(database).Database, Pooling = true }.ConnectionString;
        return await ProjectionGenRun.CatchUpAsync(pooled, projection, head, CommitFencing.Full, context.CatchUpTimeout, configure: o => o.LockConnectionString = database, prepareStatements: false);
    }

    private static async Task<string> PgBouncerVersionAsync()
    {
        var startInfo = new System.Diagnostics.ProcessStartInfo(PgBouncerProxy.FindBinary()!, "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(startInfo);
        if (process is null)
        {
            return "(version unknown)";
        }

        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return line.StartsWith("PgBouncer ", StringComparison.OrdinalIgnoreCase) ? line["PgBouncer ".Length..] : "(version unknown)";
    }

    private static string Describe(Variant variant) => variant switch
    {
        Variant.Direct => "direct (statements prepared, the default)",
        Variant.DirectUnprepared => "direct, statements not prepared",
        _ => "through PgBouncer, statements not prepared, locks direct",
    };

    private static CatchUpResult Best(List<CatchUpResult> runs) => runs.MinBy(r => r.Elapsed)!;

    private enum Variant
    {
        Direct,
        DirectUnprepared,
        Pooled,
    }
}
