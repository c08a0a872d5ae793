using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Common;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Progress;

namespace ProjectionGen.Alerts;

/// <summary>
/// Takes a daemon's lifecycle events off its threads and, on a background task, records lock losses in the progress
/// row (<c>last_loss_cause</c>, <c>last_loss_at</c>; best effort, never on the fencing path) and hands alerts to
/// every <see cref="IProjectionAlertSink"/>.
/// </summary>
internal sealed class ProjectionAlertDispatcher
{
    private const int Capacity = 10_000;
    private const int RecordAttempts = 3;
    private static readonly TimeSpan RecordRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly IReadOnlyList<IProjectionAlertSink> sinks;
    private readonly PostgresEventStore store;
    private readonly ILogger logger;
    private readonly string recordLossSql;
    private readonly string? tenantId;
    private readonly Channel<ProjectionAlert> alerts = Channel.CreateBounded<ProjectionAlert>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private Task pump = Task.CompletedTask;
    private volatile bool shuttingDown;

    /// <param name="sinks">Where alerts go.</param>
    /// <param name="store">The store of the daemon's database, where lock losses are recorded.</param>
    /// <param name="logger">Logs sink failures.</param>
    /// <param name="tenantId">The tenant whose database the daemon serves (set on every alert), or <see langword="null"/>.</param>
    public ProjectionAlertDispatcher(IEnumerable<IProjectionAlertSink> sinks, PostgresEventStore store, ILogger<ProjectionAlertDispatcher> logger, string? tenantId = null)
    {
        this.tenantId = tenantId;
        this.sinks = [.. sinks];
        this.store = store;
        this.logger = logger;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");

        // The progress row's loss update and, in the same statement, the loss in the projection history (once per node
        // and epoch).
        recordLossSql = new HistoryTable(schema).RecordLossSql(new Progress.ProgressTable(schema).RecordLossSql);
    }

    /// <summary>Subscribes to <paramref name="daemon"/>'s lifecycle events until the returned handle is disposed.</summary>
    public IDisposable Attach(ProjectionDaemon daemon)
    {
        daemon.Lifecycle += OnLifecycle;
        return new Unsubscriber(() => daemon.Lifecycle -= OnLifecycle);
    }

    /// <summary>Starts the background task.</summary>
    public void Start() => pump = Task.Run(PumpAsync, CancellationToken.None);

    /// <summary>Marks alerts raised from now on as raised during shutdown.</summary>
    public void BeginShutdown() => shuttingDown = true;

    /// <summary>Delivers what is queued, then stops; <paramref name="cancellationToken"/> abandons the rest.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        alerts.Writer.TryComplete();
        await pump.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnLifecycle(object? sender, ProjectionLifecycleEventArgs e)
    {
        var kind = e.Kind switch
        {
            ProjectionLifecycleKind.LockLost => ProjectionAlertKind.LockLost,
            ProjectionLifecycleKind.AgentStopped => ProjectionAlertKind.AgentStopped,
            ProjectionLifecycleKind.AgentPaused => ProjectionAlertKind.AgentPaused,
            ProjectionLifecycleKind.EventDeadLettered => ProjectionAlertKind.EventDeadLettered,
            ProjectionLifecycleKind.BatchStalled => ProjectionAlertKind.BatchStalled,
            _ => (ProjectionAlertKind?)null,
        };
        if (kind is { } alertKind)
        {
            var sequence = alertKind == ProjectionAlertKind.EventDeadLettered ? e.FromPosition : (long?)null;
            alerts.Writer.TryWrite(new ProjectionAlert(alertKind, e.Projection, e.Node, e.Epoch, e.Cause, e.Timestamp, sequence, shuttingDown) { TenantId = tenantId });
        }
    }

    private async Task PumpAsync()
    {
        await foreach (var alert in alerts.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (alert.Kind == ProjectionAlertKind.LockLost)
            {
                await RecordLossAsync(alert).ConfigureAwait(false);
            }

            foreach (var sink in sinks)
            {
                try
                {
                    await sink.OnAlertAsync(alert, CancellationToken.None).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A failing sink must not stop the other sinks or later alerts.
                catch (Exception failure)
#pragma warning restore CA1031
                {
                    AlertsLog.AlertSinkFailed(logger, sink.GetType().Name, alert.Kind, alert.Projection, failure);
                }
            }
        }
    }

    private async Task RecordLossAsync(ProjectionAlert alert)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = store.DataSource.CreateCommand(recordLossSql);
                command.CommandTimeout = 5;
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alert.Projection });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alert.Cause ?? "unknown" });
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = alert.Timestamp });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = alert.Epoch });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alert.Node });
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception failure) when (failure is NpgsqlException or IOException or TimeoutException)
            {
                // The loss often comes with the server going away: try again shortly, then give up quietly.
                if (attempt >= RecordAttempts)
                {
                    var error = ErrorText.Describe(failure);
                    AlertsLog.LossNotRecorded(logger, alert.Projection, alert.Epoch, error);
                    return;
                }

                await Task.Delay(RecordRetryDelay, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
