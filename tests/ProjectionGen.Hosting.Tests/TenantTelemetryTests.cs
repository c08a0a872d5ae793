using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProjectionGen.Alerts;
using ProjectionGen.Diagnostics;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Tenancy;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The metrics, traces and alerts of the daemons a host's <see cref="TenantDatabaseNode"/> runs carry their tenant
/// (docs/tenancy.md, "Operations per tenant"), over real databases; the host's own daemon's are unchanged (no tenant).
/// </summary>
public sealed class TenantTelemetryTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tenant_daemons_metrics_spans_and_alerts_carry_its_tenant_and_the_hosts_own_daemons_do_not()
    {
        await using var main = await postgres.CreateDatabaseAsync("tt_main");
        await using var tenant = await postgres.CreateDatabaseAsync("tt_acme");
        await using var mainBed = await DaemonTestBed.CreateAsync(main.ConnectionString);
        await using var tenantBed = await DaemonTestBed.CreateAsync(tenant.ConnectionString);
        var node = "tt-" + Guid.NewGuid().ToString("N")[..6];
        using var batches = new MeasurementRecorder("projectiongen.batches.committed");
        using var deadLettered = new MeasurementRecorder("projectiongen.events.dead_lettered");
        var spans = new ConcurrentQueue<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ProjectionGenTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => spans.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(tracing);

        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        services.AddProjectionGen(o =>
            {
                o.Daemon.ConnectionString = main.ConnectionString;
                o.Daemon.NodeName = node;
                o.Daemon.AcquireInterval = TimeSpan.FromMilliseconds(300);
                o.Daemon.PollInterval = TimeSpan.FromMilliseconds(200);
                o.TenantDatabases["acme"] = tenant.ConnectionString;
            })
            .AddProjections(HostedNode.Projections())
            .AddEventType<Deposited>()
            .AddEventType<Withdrawn>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)
            .AddAlertSink<RecordingAlertSink>()
            .AddTenantDatabases();
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        var alerts = provider.GetServices<IProjectionAlertSink>().OfType<RecordingAlertSink>().Single();
        try
        {
            foreach (var service in hosted)
            {
                await service.StartAsync(Ct);
            }

            // A poison event (a deposit of 13) in each database: each is dead-lettered by the fragile projection.
            await mainBed.AppendAsync(20, seed: 1);
            await tenantBed.AppendAsync(30, seed: 2);
            await mainBed.Store.AppendAsync("main-13", [new Deposited("main-13", 13)], ExpectedVersion.Any, cancellationToken: Ct);
            await tenantBed.Store.AppendAsync("acme-13", [new Deposited("acme-13", 13)], ExpectedVersion.Any, cancellationToken: Ct);
            await tenantBed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance", "fragile");
            await mainBed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance", "fragile");

            await Eventually.HoldsAsync(
                () => alerts.Alerts.Count(a => a is { Kind: ProjectionAlertKind.EventDeadLettered, Projection: "fragile" }) >= 2
                    && batches.Sum(("node", node), ("tenant", "acme"), ("projection", "ledger")) > 0
                    && spans.Any(a => Equals(a.GetTagItem("node"), node) && Equals(a.GetTagItem("tenant"), "acme"))
                    && spans.Any(a => Equals(a.GetTagItem("node"), node) && a.GetTagItem("tenant") is null)
                    && batches.Measurements.Any(m => Equals(m.Tags.GetValueOrDefault("node"), node) && !m.Tags.ContainsKey("tenant"))
                    && logs.Lines.Any(l => l.EventId == 1110) && logs.Lines.Any(l => l.EventId == 1101),
                TimeSpan.FromSeconds(15),
                "both dead letters' alerts and log lines, the batch metrics and spans of the tenant's daemon and of the host's own");

            // Metrics: the tenant daemon's are tagged tenant=acme; the host's own daemon's have no tenant tag.
            Assert.Contains(batches.Measurements, m => Equals(m.Tags.GetValueOrDefault("node"), node) && !m.Tags.ContainsKey("tenant"));
            Assert.All(
                batches.Measurements.Where(m => Equals(m.Tags.GetValueOrDefault("node"), node) && m.Tags.ContainsKey("tenant")),
                m => Assert.Equal("acme", m.Tags["tenant"]));
            Assert.Equal(1, deadLettered.Sum(("node", node), ("tenant", "acme"), ("projection", "fragile")));
            Assert.Equal(1, deadLettered.Measurements.Count(m => Equals(m.Tags.GetValueOrDefault("node"), node) && !m.Tags.ContainsKey("tenant")));

            // The locks.held gauge: one series per tenant daemon's projection, tagged with the tenant, beside the host's own.
            var held = Observe<int>("projectiongen.locks.held");
            var mine = held.Where(m => Equals(m.Tags.GetValueOrDefault("node"), node)).ToList();
            Assert.Equal(["account_balance", "fragile", "ledger"], mine.Where(m => Equals(m.Tags.GetValueOrDefault("tenant"), "acme")).Select(m => (string)m.Tags["projection"]!).Order(StringComparer.Ordinal));
            Assert.Equal(["account_balance", "fragile", "ledger"], mine.Where(m => !m.Tags.ContainsKey("tenant")).Select(m => (string)m.Tags["projection"]!).Order(StringComparer.Ordinal));
            Assert.All(mine, m => Assert.Equal(1, m.Value));

            // The lag gauges: the tenant daemon's slots, from the high-water mark its store read and from the oldest event its
            // last read found pending (caught up: 0 and 0).
            var lag = Observe<long>("projectiongen.lag.events");
            var tenantLag = lag.Where(m => Equals(m.Tags.GetValueOrDefault("tenant"), "acme")).ToList();
            Assert.Equal(["account_balance", "fragile", "ledger"], tenantLag.Select(m => (string)m.Tags["projection"]!).Order(StringComparer.Ordinal));
            Assert.All(tenantLag, m => Assert.Equal(node, m.Tags["node"]));
            Assert.All(tenantLag, m => Assert.Equal(0L, m.Value));
            var tenantLagSeconds = Observe<double>("projectiongen.lag.seconds").Where(m => Equals(m.Tags.GetValueOrDefault("tenant"), "acme")).ToList();
            Assert.Equal(["account_balance", "fragile", "ledger"], tenantLagSeconds.Select(m => (string)m.Tags["projection"]!).Order(StringComparer.Ordinal));
            Assert.All(tenantLagSeconds, m => Assert.Equal(node, m.Tags["node"]));
            Assert.All(tenantLagSeconds, m => Assert.Equal(0d, m.Value));

            // Spans: the tenant's batches carry it; the host's own do not.
            Assert.Contains(spans, a => Equals(a.GetTagItem("node"), node) && a.GetTagItem("tenant") is null);

            // Alerts: the tenant's names it (sink and log line 1110); the host's own has none (log line 1101 as before).
            var tenantAlert = alerts.Alerts.Single(a => a is { Kind: ProjectionAlertKind.EventDeadLettered, TenantId: "acme" });
            Assert.Equal(node, tenantAlert.Node);
            Assert.Single(alerts.Alerts, a => a is { Kind: ProjectionAlertKind.EventDeadLettered, TenantId: null });
            Assert.Contains(logs.Lines, l => l.EventId == 1110 && l.Message.Contains("of projection fragile of tenant acme on node " + node, StringComparison.Ordinal));
            Assert.Contains(logs.Lines, l => l.EventId == 1101 && l.Message.Contains("of projection fragile on node " + node, StringComparison.Ordinal));
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted))
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>One observation of the ProjectionGen gauge <paramref name="instrument"/>: each series' value and tags.</summary>
    private static List<(T Value, Dictionary<string, object?> Tags)> Observe<T>(string instrument)
        where T : struct
    {
        var measured = new List<(T Value, Dictionary<string, object?> Tags)>();
        using var gauges = new System.Diagnostics.Metrics.MeterListener();
        gauges.InstrumentPublished = (published, l) =>
        {
            if (published.Meter.Name == ProjectionGenTelemetry.MeterName && published.Name == instrument)
            {
                l.EnableMeasurementEvents(published);
            }
        };
        gauges.SetMeasurementEventCallback<T>((_, value, tags, _) => measured.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal))));
        gauges.Start();
        gauges.RecordObservableInstruments();
        return measured;
    }
}
