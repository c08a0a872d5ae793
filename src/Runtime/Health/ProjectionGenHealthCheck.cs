using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ProjectionGen.Health;

/// <summary>
/// The node's ProjectionGen health: unhealthy when its lock connection is down or a projection has had no owner
/// anywhere in the cluster for longer than <see cref="ProjectionHealthOptions.UnownedThreshold"/>; degraded after a
/// lock loss until the projection is owned again, when lag exceeds its thresholds, or when sampling fails.
/// </summary>
/// <remarks>
/// The check only reports: it never throws, never queries the database and never touches the locks, so probing it
/// often is cheap. Use it for readiness and alerting, not for liveness: restarting a node does not repair a lock
/// loss (the cluster fails over by itself within about a second), and a restart loop only adds churn
/// (docs/operations.md).
/// </remarks>
internal sealed class ProjectionGenHealthCheck(ProjectionClusterMonitor monitor) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(monitor.Evaluate());
        }
#pragma warning disable CA1031 // A health check reports; an exception here would only turn into an unhealthy probe anyway.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            return Task.FromResult(HealthCheckResult.Degraded($"The ProjectionGen health evaluation failed: {failure.GetType().Name}."));
        }
    }
}
