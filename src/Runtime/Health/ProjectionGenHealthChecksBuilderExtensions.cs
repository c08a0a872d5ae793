using Microsoft.Extensions.Diagnostics.HealthChecks;
using ProjectionGen.Health;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the ProjectionGen health check.</summary>
public static class ProjectionGenHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the node's ProjectionGen health check (needs <c>AddProjectionGen</c>). Map it to readiness, not liveness:
    /// see docs/operations.md. Tagged <c>projectiongen</c> and <c>ready</c> unless <paramref name="tags"/> are given.
    /// </summary>
    public static IHealthChecksBuilder AddProjectionGen(this IHealthChecksBuilder builder, string name = "projectiongen", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new ProjectionGenHealthCheck(services.GetRequiredService<ProjectionClusterMonitor>()),
            HealthStatus.Unhealthy,
            tags ?? ["projectiongen", "ready"]));
    }
}
