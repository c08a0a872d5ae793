using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ProjectionGen.Tenancy;

/// <summary>The health check of databases per tenant.</summary>
public static class TenantDatabasesHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the host's <see cref="TenantDatabaseNode"/> (see <see cref="TenantDatabasesBuilderExtensions.AddTenantDatabases"/>):
    /// healthy while no tenant database has failed, degraded naming each failed tenant and its safe error text.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Default <c>projectiongen-tenants</c>.</param>
    /// <param name="tags">The check's tags. Default <c>projectiongen</c>, <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddTenantDatabases(this IHealthChecksBuilder builder, string name = "projectiongen-tenants", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new TenantDatabasesHealthCheck(services.GetRequiredService<TenantDatabaseNode>()),
            HealthStatus.Unhealthy,
            tags ?? ["projectiongen", "ready"]));
    }
}
