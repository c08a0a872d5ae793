using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ProjectionGen.Tenancy;

/// <summary>
/// Healthy while no tenant database of the node has failed; degraded naming each failed tenant with its safe error text
/// (never a connection string). Tenants starting or stopped do not degrade it.
/// </summary>
internal sealed class TenantDatabasesHealthCheck(TenantDatabaseNode node) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var states = node.GetTenantStates();
        var data = states.ToDictionary(s => s.TenantId, s => (object)s.Status.ToString(), StringComparer.Ordinal);
        var failed = states.Where(s => s.Status == TenantDatabaseStatus.Failed).ToList();
        var running = states.Count(s => s.Status == TenantDatabaseStatus.Running);
        if (failed.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{running} tenant databases running."), data));
        }

        var description = string.Create(
            CultureInfo.InvariantCulture,
            $"{failed.Count} tenant databases failed: {string.Join("; ", failed.Select(s => $"{s.TenantId} ({s.Error})"))}; {running} running.");
        return Task.FromResult(HealthCheckResult.Degraded(description, data: data));
    }
}
