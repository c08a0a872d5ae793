using Microsoft.Extensions.Diagnostics.HealthChecks;
using ProjectionGen.Alerts;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The hosted service in a real generic host: it starts, projects, reports healthy and stops cleanly.</summary>
public sealed class HostLifecycleTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Host_starts_projects_reports_healthy_and_stops_cleanly_releasing_every_lock()
    {
        await using var database = await postgres.CreateDatabaseAsync("hostlife");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = "life-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(database.ConnectionString, node);
        await host.StartAsync();

        await bed.AppendAsync(60, seed: 1);
        var statuses = await ReadModels.WaitForCatchUpAsync(host.Status);
        Assert.All(statuses, s => Assert.Equal(node, s.Owner));
        await host.WaitForHealthAsync(status => status == HealthStatus.Healthy, "healthy");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());

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
