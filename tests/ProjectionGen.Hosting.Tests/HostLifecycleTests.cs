using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ProjectionGen.Alerts;
using ProjectionGen.Diagnostics;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The hosted service in a real generic host: it starts, projects (measured and traced), reports healthy and stops cleanly.</summary>
public sealed class HostLifecycleTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Host_starts_projects_reports_healthy_and_stops_cleanly_releasing_every_lock()
    {
        await using var database = await postgres.CreateDatabaseAsync("hostlife");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = "life-" + Guid.NewGuid().ToString("N")[..6];
        using var processed = new MeasurementRecorder("projectiongen.events.processed");
        using var batches = new MeasurementRecorder("projectiongen.batches.committed");
        var spans = new ConcurrentQueue<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ProjectionGenTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => spans.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(tracing);
        await using var host = HostedNode.Create(database.ConnectionString, node);
        await host.StartAsync();

        await bed.AppendAsync(60, seed: 1);
        var statuses = await ReadModels.WaitForCatchUpAsync(host.Status);
        Assert.All(statuses, s => Assert.Equal(node, s.Owner));
        await host.WaitForHealthAsync(status => status == HealthStatus.Healthy, "healthy");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());

        // The ledger handles every event: each was counted once, in batches that were each traced with their range.
        // Metrics and spans are recorded just after the commit that the catch-up wait observes: wait for the last one.
        List<Activity> LedgerSpans() => spans.Where(a => Equals(a.GetTagItem("node"), node) && Equals(a.GetTagItem("projection"), "ledger")).ToList();
        await Eventually.HoldsAsync(
            () => processed.Sum(("node", node), ("projection", "ledger")) >= 60 && LedgerSpans().Count >= batches.Sum(("node", node), ("projection", "ledger")),
            TimeSpan.FromSeconds(15),
            "the last committed batch's metrics and span");
        Assert.Equal(60, processed.Sum(("node", node), ("projection", "ledger")));
        var ledgerBatches = batches.Sum(("node", node), ("projection", "ledger"));
        var ledgerSpans = LedgerSpans();
        Assert.True(ledgerBatches >= 3, $"60 events in batches of 25 need at least 3 batches, saw {ledgerBatches}");
        Assert.Equal(ledgerBatches, ledgerSpans.Count);
        Assert.All(ledgerSpans, a =>
        {
            Assert.Equal(ProjectionGenTelemetry.BatchActivityName, a.OperationName);
            Assert.True((long)a.GetTagItem("to")! > (long)a.GetTagItem("from")!);
            Assert.Equal(statuses.Single(s => s.Projection == "ledger").Epoch, (long)a.GetTagItem("epoch")!);
        });
        Assert.Equal(60, ledgerSpans.Sum(a => (int)a.GetTagItem("event_count")!));

        await host.Host.StopAsync(TestContext.Current.CancellationToken);

        var after = await host.Status.ReadAsync(TestContext.Current.CancellationToken);
        Assert.All(after, s => Assert.False(s.OwnerAlive, $"{s.Projection} still has a lock holder after the host stopped"));
        Assert.Contains(host.Logs.Lines, l => l.EventId == 1001 && l.Message.Contains(node, StringComparison.Ordinal));
        Assert.Contains(host.Logs.Lines, l => l.EventId == 1109 && l.Message.Contains(node, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error);

        // Stops on shutdown are reported, and marked as expected.
        var stops = host.Alerts.Alerts.Where(a => a.Kind == ProjectionAlertKind.AgentStopped).ToList();
        Assert.Equal(3, stops.Count);
        Assert.All(stops, a => Assert.True(a.DuringShutdown));
        Assert.Equal(HealthStatus.Unhealthy, (await host.CheckHealthAsync()).Status);
    }
}
