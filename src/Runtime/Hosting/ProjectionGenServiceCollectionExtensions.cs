using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProjectionGen;
using ProjectionGen.Alerts;
using ProjectionGen.Daemon;
using ProjectionGen.Diagnostics;
using ProjectionGen.EventStore;
using ProjectionGen.Health;
using ProjectionGen.Hosting;
using ProjectionGen.Operations;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProjectionGen in a service collection (generic host, ASP.NET Core).</summary>
public static class ProjectionGenServiceCollectionExtensions
{
    /// <summary>
    /// Registers ProjectionGen configured by <paramref name="configure"/>: options validated when the host starts, the
    /// <see cref="PostgresEventStore"/> and its <see cref="EventTypeRegistry"/>, the node's <see cref="ProjectionDaemon"/>
    /// run as a hosted service, <see cref="ProjectionGenTelemetry"/>, alerts (<see cref="IProjectionAlertSink"/>, one
    /// that logs by default), <see cref="ProjectionStatusReader"/>, <see cref="ProjectionRebuilder"/>,
    /// <see cref="ProjectionGen.Versions.ProjectionVersionOperations"/>,
    /// <see cref="ProjectionHistory"/>, <see cref="ProjectionLockHolderReader"/>, <see cref="ProjectionCatchUpWatcher"/>,
    /// <see cref="ProjectionEventImporter"/> and <see cref="ProjectionDeadLetters"/>. Add the
    /// projections with <see cref="ProjectionGenBuilder.AddProjections"/>.
    /// </summary>
    public static ProjectionGenBuilder AddProjectionGen(this IServiceCollection services, Action<ProjectionGenOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddCore(services);
        services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Registers ProjectionGen with options bound from <paramref name="configuration"/> (for example
    /// <c>builder.Configuration.GetSection("ProjectionGen")</c>), then adjusted by <paramref name="configure"/>.
    /// Unknown keys and unreadable values are reported, one message each, when the host starts.
    /// </summary>
    /// <inheritdoc cref="AddProjectionGen(IServiceCollection, Action{ProjectionGenOptions})"/>
    public static ProjectionGenBuilder AddProjectionGen(this IServiceCollection services, IConfiguration configuration, Action<ProjectionGenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services);
        services.Configure<ProjectionGenOptions>(options => ProjectionGenConfigurationBinder.Bind(configuration, options));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    private static ProjectionGenBuilder AddCore(IServiceCollection services)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(ProjectionGenRegistrations) && !d.IsKeyedService)?.ImplementationInstance;
        if (existing is ProjectionGenRegistrations registered)
        {
            return new ProjectionGenBuilder(services, registered);
        }

        var registrations = new ProjectionGenRegistrations();
        services.AddSingleton(registrations);
        services.AddOptions<ProjectionGenOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProjectionGenOptions>, ProjectionGenOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ProjectionGenDataSource(Options(sp).Daemon.ConnectionString!));
        services.TryAddSingleton(sp => registrations.CreateRegistry());
        services.TryAddSingleton(sp => new PostgresEventStore(
            sp.GetRequiredService<ProjectionGenDataSource>().DataSource, Options(sp).EventStore, sp.GetRequiredService<EventTypeRegistry>()));
        services.TryAddSingleton(sp => new ProjectionDaemon(
            sp.GetRequiredService<PostgresEventStore>(), registrations.Projections, Options(sp).Daemon, sp.GetService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ProjectionGenTelemetry(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new ProjectionStatusReader(sp.GetRequiredService<PostgresEventStore>()));
        services.TryAddSingleton(sp => new ProjectionRebuilder(
            sp.GetRequiredService<PostgresEventStore>(), registrations.Projections, sp.GetService<ILogger<ProjectionRebuilder>>()));
        services.TryAddSingleton(sp => new ProjectionHistory(sp.GetRequiredService<PostgresEventStore>()));
        services.TryAddSingleton(sp =>
        {
            var operations = new ProjectionGen.Versions.ProjectionVersionOperations(sp.GetRequiredService<PostgresEventStore>(), registrations.Projections);
            sp.GetRequiredService<ProjectionGenTelemetry>().Attach(operations);
            return operations;
        });
        services.TryAddSingleton(sp => new ProjectionClusterOperations(sp.GetRequiredService<PostgresEventStore>()));
        services.TryAddSingleton(sp => new ProjectionLockHolderReader(sp.GetRequiredService<PostgresEventStore>()));
        services.TryAddSingleton(sp => new ProjectionCatchUpWatcher(sp.GetRequiredService<PostgresEventStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ProjectionEventImporter(sp.GetRequiredService<PostgresEventStore>()));
        services.TryAddSingleton(sp => new ProjectionDeadLetters(
            sp.GetRequiredService<PostgresEventStore>(), registrations.Projections, Options(sp).Daemon.DocumentSerializerOptions));
        services.TryAddSingleton(sp => new ProjectionClusterMonitor(
            sp.GetRequiredService<ProjectionStatusReader>(),
            sp.GetRequiredService<ProjectionDaemon>(),
            Options(sp).Health,
            sp.GetRequiredService<TimeProvider>(),
            Logger<ProjectionClusterMonitor>(sp)));
        services.TryAddSingleton(sp => new ProjectionAlertDispatcher(
            sp.GetServices<IProjectionAlertSink>(), sp.GetRequiredService<PostgresEventStore>(), Logger<ProjectionAlertDispatcher>(sp)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectionAlertSink, LoggingAlertSink>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ProjectionDaemonHostedService>());
        return new ProjectionGenBuilder(services, registrations);
    }

    private static ProjectionGenOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;

    private static ILogger<T> Logger<T>(IServiceProvider services) =>
        services.GetService<ILogger<T>>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<T>.Instance;
}
