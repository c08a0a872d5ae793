using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProjectionGen.Alerts;
using ProjectionGen.Daemon;
using ProjectionGen.Diagnostics;
using ProjectionGen.EventStore;
using ProjectionGen.Health;

namespace ProjectionGen.Hosting;

/// <summary>
/// Runs the node's <see cref="ProjectionDaemon"/> for the host: applies the schema if asked, wires telemetry, alerts
/// and the cluster monitor to the daemon, starts it, and stops it gracefully (locks released) when the host stops.
/// </summary>
/// <remarks>Services are resolved in <see cref="StartAsync"/>, after the host has validated the options.</remarks>
internal sealed class ProjectionDaemonHostedService(IServiceProvider services, ILogger<ProjectionDaemonHostedService> logger) : IHostedService, IDisposable
{
    private readonly List<IDisposable> subscriptions = [];
    private readonly CancellationTokenSource stopping = new();
    private ProjectionDaemon? daemon;
    private ProjectionAlertDispatcher? dispatcher;
    private Task monitorLoop = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;
        var registrations = services.GetRequiredService<ProjectionGenRegistrations>();
        var store = services.GetRequiredService<PostgresEventStore>();
        HostingLog.DaemonStarting(logger, options.Daemon.NodeName, store.Schema, registrations.Projections.Count);
        if (options.ApplySchemaOnStartup)
        {
            var tables = await ProjectionSchemaInstaller.ApplyAsync(
                options.SchemaConnectionString ?? options.Daemon.ConnectionString!, options.EventStore, registrations.Projections, cancellationToken).ConfigureAwait(false);
            HostingLog.SchemaApplied(logger, store.Schema, tables);
        }

        daemon = services.GetRequiredService<ProjectionDaemon>();
        dispatcher = services.GetRequiredService<ProjectionAlertDispatcher>();
        var monitor = services.GetRequiredService<ProjectionClusterMonitor>();
        var telemetry = services.GetRequiredService<ProjectionGenTelemetry>();
        telemetry.ObserveLag(() => monitor.LatestStatuses);
        subscriptions.Add(telemetry.Attach(daemon));
        subscriptions.Add(dispatcher.Attach(daemon));
        subscriptions.Add(monitor.Attach());
        await daemon.StartAsync(cancellationToken).ConfigureAwait(false);

        // Started only once the daemon runs (a failed start leaves no task behind); earlier events wait in its queue.
        dispatcher.Start();
        monitorLoop = Task.Run(() => monitor.RunAsync(stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (daemon is null || dispatcher is null)
        {
            return;
        }

        dispatcher.BeginShutdown();
        try
        {
            await daemon.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await monitorLoop.ConfigureAwait(false);
            try
            {
                await dispatcher.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout ended alert delivery; the alerts were logged by the daemon already.
            }

            Dispose();
            HostingLog.DaemonStopped(logger, daemon.NodeName);
        }
    }

    public void Dispose()
    {
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }

        subscriptions.Clear();
        stopping.Dispose();
    }
}
