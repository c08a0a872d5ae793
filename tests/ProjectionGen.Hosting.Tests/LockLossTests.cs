using Microsoft.Extensions.Diagnostics.HealthChecks;
using ProjectionGen.Alerts;
using ProjectionGen.Daemon;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A lock loss, seen by an operator: the log line with its cause, the loss metric, the alert hook, the health check
/// flipping and clearing again after re-acquisition, and the loss recorded in the status.
/// </summary>
public sealed class LockLossTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Terminated_lock_backend_is_logged_counted_alerted_and_flips_health_until_reacquired()
    {
        await using var database = await postgres.CreateDatabaseAsync("hostloss");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        using var losses = new MeasurementRecorder("projectiongen.lock.losses");
        using var acquisitions = new MeasurementRecorder("projectiongen.lock.acquisitions");
        var node = "loss-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(database.ConnectionString, node, options =>
        {
            // The node stays without its lock connection for about a second, long enough to be seen.
            options.Daemon.RetryDelay = TimeSpan.FromSeconds(1);
            options.Daemon.MaxRetryDelay = TimeSpan.FromSeconds(1);
        });
        await host.StartAsync();
        await bed.AppendAsync(40, seed: 2);
        var before = await ReadModels.WaitForCatchUpAsync(host.Status);
        var epochBefore = before.Single(s => s.Projection == "ledger").Epoch;
        await host.WaitForHealthAsync(status => status == HealthStatus.Healthy, "healthy");
        Assert.Equal(0, losses.Sum(("node", node)));
        Assert.Equal(3, acquisitions.Sum(("node", node)));

        var terminated = await postgres.Server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(node), TestContext.Current.CancellationToken);
        Assert.Equal(1, terminated);

        var unhealthy = await host.WaitForHealthAsync(status => status != HealthStatus.Healthy, "not healthy after the lock loss");
        Assert.True(unhealthy.Contains("lock connection", StringComparison.Ordinal) || unhealthy.Contains("lost its lock", StringComparison.Ordinal), unhealthy);

        // The log line, with the cause.
        await Eventually.HoldsAsync(() => host.Logs.Lines.Any(l => l.EventId == 1002 && l.Message.Contains("projection ledger", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the lock-lost log line");
        var line = host.Logs.Lines.First(l => l.EventId == 1002 && l.Message.Contains("projection ledger", StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, line.Level);
        Assert.Contains($"on node {node} at epoch {epochBefore}", line.Message, StringComparison.Ordinal);
        var cause = line.Message[(line.Message.IndexOf("cause: ", StringComparison.Ordinal) + "cause: ".Length)..];
        Assert.False(string.IsNullOrWhiteSpace(cause));

        // The metric, by cause.
        await Eventually.HoldsAsync(() => losses.Sum(("node", node), ("projection", "ledger"), ("cause", cause)) == 1, TimeSpan.FromSeconds(10), "the loss metric with the cause");
        await Eventually.HoldsAsync(() => losses.Sum(("node", node)) == 3, TimeSpan.FromSeconds(10), "one loss per projection");

        // The alert hook, with the same cause.
        await Eventually.HoldsAsync(
            () => host.Alerts.Alerts.Any(a => a is { Kind: ProjectionAlertKind.LockLost, Projection: "ledger" } && a.Node == node && a.Cause == cause && a.Epoch == epochBefore && !a.DuringShutdown),
            TimeSpan.FromSeconds(10), "the lock-loss alert");
        await Eventually.HoldsAsync(
            () => host.Alerts.Alerts.Any(a => a is { Kind: ProjectionAlertKind.AgentStopped, Projection: "ledger" } && a.Epoch == epochBefore && (a.Cause ?? "").Contains(cause, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the agent-stopped alert");

        // Re-acquisition clears the health check; the loss stays visible in the status.
        await host.WaitForHealthAsync(status => status == HealthStatus.Healthy, "healthy again after re-acquisition");
        await bed.AppendAsync(20, seed: 3);
        var after = await ReadModels.WaitForCatchUpAsync(host.Status, new Dictionary<string, long> { ["ledger"] = epochBefore + 1 });
        Assert.True(acquisitions.Sum(("node", node)) >= 6);
        var recorded = after.Single(s => s.Projection == "ledger");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); recorded.LastLossCause != cause && DateTime.UtcNow < deadline; await Task.Delay(50, TestContext.Current.CancellationToken))
        {
            recorded = (await host.Status.ReadAsync(TestContext.Current.CancellationToken)).Single(s => s.Projection == "ledger");
        }

        Assert.Equal(cause, recorded.LastLossCause);
        Assert.NotNull(recorded.LastLossAt);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
    }
}
