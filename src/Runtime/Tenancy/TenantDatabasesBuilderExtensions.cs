using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;

namespace ProjectionGen.Tenancy;

/// <summary>Runs databases per tenant in a host that uses <c>AddProjectionGen</c> (docs/tenancy.md, "Databases per tenant").</summary>
public static class TenantDatabasesBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="TenantDatabaseNode"/> (a singleton) that the host starts after the ProjectionGen daemon and
    /// stops before it. The node runs the builder's projections and event types over every tenant database of
    /// <paramref name="source"/> (default: a <see cref="StaticTenantSource"/> of <see cref="ProjectionGenOptions.TenantDatabases"/>),
    /// with the host's daemon settings (node name included) and event store settings; it applies the schema on first use
    /// when <see cref="ProjectionGenOptions.ApplySchemaOnStartup"/> is on. The host's own daemon still runs over
    /// <c>Daemon.ConnectionString</c>, which must not also be a tenant database (the node name would register twice there).
    /// </summary>
    /// <param name="builder">The builder of <c>AddProjectionGen</c>.</param>
    /// <param name="configure">Changes the node's settings after they are taken from <see cref="ProjectionGenOptions"/>.</param>
    /// <param name="source">The tenant source, for example a <see cref="MasterTableTenantSource"/>.</param>
    /// <returns>The builder.</returns>
    public static ProjectionGenBuilder AddTenantDatabases(this ProjectionGenBuilder builder, Action<TenantDatabaseNodeOptions>? configure = null, Func<IServiceProvider, ITenantSource>? source = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;
            var node = new TenantDatabaseNodeOptions
            {
                Daemon = TenantDaemonOptions.For(options.Daemon, null),
                EventStore = options.EventStore,
                ApplySchemaOnFirstUse = options.ApplySchemaOnStartup,
            };
            configure?.Invoke(node);
            return new TenantDatabaseNode(
                source?.Invoke(services) ?? new StaticTenantSource(options.TenantDatabases),
                services.GetRequiredService<ProjectionGenRegistrations>().Projections,
                services.GetRequiredService<EventTypeRegistry>(),
                node,
                services.GetService<ILoggerFactory>());
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TenantDatabaseHostedService>());
        return builder;
    }
}
