using System.Diagnostics;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Workload;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>Marten's async daemon on the same workload: events appended through Marten, then timed from daemon start to non-stale data.</summary>
public static class MartenCatchUp
{
    /// <summary>Creates Marten's schema and appends the plan through Marten (quick append, 100 streams' appends per session).</summary>
    public static async Task SeedAsync(string connectionString, WorkloadPlan plan, int writers = 4)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var store = CreateStore(connectionString);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        // Each writer owns the streams with its index, so a stream's events stay in order.
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var session = store.LightweightSession();
            var pending = 0;
            foreach (var (stream, events) in plan.Appends())
            {
                if (stream % writers != writer)
                {
                    continue;
                }

                session.Events.Append(WorkloadPlan.StreamGuid(stream), events);
                if (++pending == 100)
                {
                    await session.SaveChangesAsync();
                    await session.DisposeAsync();
                    session = store.LightweightSession();
                    pending = 0;
                }
            }

            await session.SaveChangesAsync();
            await session.DisposeAsync();
        })));
    }

    /// <summary>Times Marten's async daemon from <c>StartAllAsync</c> to non-stale projection data on a seeded database, then checks the summaries.</summary>
    public static async Task<TimeSpan> CatchUpAsync(string connectionString, WorkloadPlan plan, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var store = CreateStore(connectionString);
        var stopwatch = Stopwatch.StartNew();
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await store.WaitForNonStaleProjectionDataAsync(timeout);
        stopwatch.Stop();
        await daemon.StopAllAsync();

        await using var query = store.QuerySession();
        var summaries = await query.Query<BalanceSummary>().ToListAsync();
        ProjectionGenRun.Check("Marten aggregate", plan, summaries.Count, summaries.Sum(s => (long)s.Events), summaries.Sum(s => s.Balance));
        return stopwatch.Elapsed;
    }

    /// <summary>Seeds and catches up on one database.</summary>
    public static async Task<TimeSpan> RunAsync(string connectionString, WorkloadPlan plan, TimeSpan timeout)
    {
        await SeedAsync(connectionString, plan);
        return await CatchUpAsync(connectionString, plan, timeout);
    }

    private static DocumentStore CreateStore(string connectionString) => DocumentStore.For(options =>
    {
        options.Connection(connectionString);
        options.AutoCreateSchemaObjects = AutoCreate.All;
        options.Events.AppendMode = EventAppendMode.Quick;
        options.Events.AddEventType<FundsDeposited>();
        options.Events.AddEventType<FundsWithdrawn>();
        options.Projections.Add<MartenBalanceProjection>(ProjectionLifecycle.Async);
    });
}
