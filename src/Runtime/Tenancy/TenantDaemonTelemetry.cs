using Microsoft.Extensions.Logging;
using ProjectionGen.Alerts;
using ProjectionGen.Daemon;
using ProjectionGen.Diagnostics;
using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>
/// The host's observer of tenant daemons: their lifecycle events go to the host's <see cref="ProjectionGenTelemetry"/>
/// tagged <c>tenant</c>, and their alerts to the host's alert sinks with <see cref="ProjectionAlert.TenantId"/>, through
/// a dispatcher of their own that records lock losses in the tenant's database (docs/tenancy.md, "Operations per tenant").
/// </summary>
internal sealed class TenantDaemonTelemetry(
    ProjectionGenTelemetry telemetry,
    Func<IEnumerable<IProjectionAlertSink>> sinks,
    ILoggerFactory loggerFactory,
    CancellationToken hostStopping) : ITenantDaemonObserver
{
    public IAsyncDisposable Observe(string tenantId, ProjectionDaemon daemon, PostgresEventStore store)
    {
        var metrics = telemetry.Attach(daemon, tenantId);
        var dispatcher = new ProjectionAlertDispatcher(sinks(), store, loggerFactory.CreateLogger<ProjectionAlertDispatcher>(), tenantId);
        var alerts = dispatcher.Attach(daemon);
        dispatcher.Start();

        // Agents stopped while the host stops are expected, as for the host's own daemon.
        var stopping = hostStopping.Register(dispatcher.BeginShutdown);
        return new Observation(metrics, alerts, stopping, dispatcher);
    }

    private sealed class Observation(IDisposable metrics, IDisposable alerts, CancellationTokenRegistration stopping, ProjectionAlertDispatcher dispatcher) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            metrics.Dispose();
            alerts.Dispose();
            await stopping.DisposeAsync().ConfigureAwait(false);

            // Delivers what is queued (the alerts of the daemon's stop), bounded.
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await dispatcher.StopAsync(bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Alerts still queued are dropped; the daemon logged them already.
            }
        }
    }
}
