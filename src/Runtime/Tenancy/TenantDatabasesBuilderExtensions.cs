using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ProjectionGen.Alerts;
using ProjectionGen.Diagnostics;
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
    /// when <see cref="ProjectionGenOptions.ApplySchemaOnStartup"/> is on. It publishes its tenants' states on a
    /// <see cref="TenantStatusBoard"/> (a singleton) in the host's own database, which the dashboard shows; set
    /// <see cref="TenantDatabaseNodeOptions.StatusBoard"/> to <see langword="null"/> in <paramref name="configure"/> to
    /// publish nothing. The host's own daemon still runs over
    /// <c>Daemon.ConnectionString</c>, which must not also be a tenant database (the node name would register twice there).
    /// </summary>
    /// <param name="builder">The builder of <c>AddProjectionGen</c>.</param>
    /// <param name="configure">Changes the node's settings after they are taken from <see cref="ProjectionGenOptions"/>.</param>
    /// <param name="source">The tenant source, for example a <see cref="MasterTableTenantSource"/>; registered as the <see cref="ITenantSource"/> service (without it, an <see cref="ITenantSource"/> registered already, else the static source).</param>
    /// <returns>The builder.</returns>
    public static ProjectionGenBuilder AddTenantDatabases(this ProjectionGenBuilder builder, Action<TenantDatabaseNodeOptions>? configure = null, Func<IServiceProvider, ITenantSource>? source = null) =>
        Add(builder, configure, source, null);

    /// <summary>
    /// Like <see cref="AddTenantDatabases"/>, with the tenant databases placed over the nodes: the node's
    /// <see cref="TenantDatabaseNodeOptions.Assignment"/> is a <see cref="BalancedTenantDatabases"/> over the node registry
    /// of the host's own database (<c>Daemon.ConnectionString</c>, the master database), where the host's daemon registers
    /// under the same node name; its schema and eviction timeout are the host's (docs/cluster.md, "Tenant databases over
    /// nodes"). Configure the same <paramref name="maxTenantDatabases"/> on every node.
    /// </summary>
    /// <param name="builder">The builder of <c>AddProjectionGen</c>.</param>
    /// <param name="maxTenantDatabases">The most tenant databases a node runs; <see langword="null"/> for no limit.</param>
    /// <param name="configure">Changes the node's settings after they are taken from <see cref="ProjectionGenOptions"/>; an <see cref="TenantDatabaseNodeOptions.Assignment"/> it sets is kept.</param>
    /// <param name="source">The tenant source, for example a <see cref="MasterTableTenantSource"/>.</param>
    /// <returns>The builder.</returns>
    public static ProjectionGenBuilder AddBalancedTenantDatabases(this ProjectionGenBuilder builder, int? maxTenantDatabases = null, Action<TenantDatabaseNodeOptions>? configure = null, Func<IServiceProvider, ITenantSource>? source = null) =>
        Add(
            builder,
            configure,
            source,
            (services, options, node) => new BalancedTenantDatabases(
                services.GetRequiredService<ProjectionGenDataSource>().DataSource,
                node.Daemon.NodeName,
                maxTenantDatabases,
                options.EventStore.Schema,
                options.Daemon.EvictionTimeout,
                services.GetService<ILoggerFactory>()));

    /// <summary>
    /// Registers the <see cref="TenantStatusBoard"/> of the host's own database (<c>Daemon.ConnectionString</c>, the master
    /// database; its schema and eviction timeout), which the dashboard shows as its tenant section. <see cref="AddTenantDatabases"/>
    /// and <see cref="AddBalancedTenantDatabases"/> register it themselves; call this in an application that runs no tenant
    /// databases but shows them, for example a dashboard of its own (docs/tenancy.md, "The tenant status board").
    /// </summary>
    /// <param name="builder">The builder of <c>AddProjectionGen</c>.</param>
    /// <returns>The builder.</returns>
    public static ProjectionGenBuilder AddTenantStatusBoard(this ProjectionGenBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;
            return new TenantStatusBoard(services.GetRequiredService<ProjectionGenDataSource>().DataSource, options.EventStore.Schema, options.Daemon.EvictionTimeout);
        });
        return builder;
    }

    private static ProjectionGenBuilder Add(
        ProjectionGenBuilder builder,
        Action<TenantDatabaseNodeOptions>? configure,
        Func<IServiceProvider, ITenantSource>? source,
        Func<IServiceProvider, ProjectionGenOptions, TenantDatabaseNodeOptions, ITenantDatabaseAssignment>? assignment)
    {
        AddTenantStatusBoard(builder);

        // The node's source is also the ITenantSource service, so that the commands' --tenant finds the same databases
        // (docs/operations.md, "Command line").
        if (source is not null)
        {
            builder.Services.AddSingleton<ITenantSource>(source);
        }
        else
        {
            builder.Services.TryAddSingleton<ITenantSource>(services =>
                new StaticTenantSource(services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value.TenantDatabases));
        }

        builder.Services.TryAddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;
            var node = new TenantDatabaseNodeOptions
            {
                Daemon = TenantDaemonOptions.For(options.Daemon, null),
                EventStore = options.EventStore,
                ApplySchemaOnFirstUse = options.ApplySchemaOnStartup,
                StatusBoard = services.GetRequiredService<TenantStatusBoard>(),
            };
            // The tenant daemons' metrics, traces and alerts, tagged with their tenant (docs/tenancy.md, "Operations per tenant").
            node.Observers.Add(new TenantDaemonTelemetry(
                services.GetRequiredService<ProjectionGenTelemetry>(),
                () => services.GetServices<IProjectionAlertSink>(),
                services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None));
            configure?.Invoke(node);

            // After configure, so that the node name is the final one; an assignment set by configure is kept.
            if (assignment is not null && node.Assignment is AllTenantDatabases)
            {
                node.Assignment = assignment(services, options, node);
            }

            return new TenantDatabaseNode(
                services.GetRequiredService<ITenantSource>(),
                services.GetRequiredService<ProjectionGenRegistrations>().Projections,
                services.GetRequiredService<EventTypeRegistry>(),
                node,
                services.GetService<ILoggerFactory>());
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TenantDatabaseHostedService>());
        return builder;
    }
}
