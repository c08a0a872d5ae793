using Microsoft.Extensions.Logging;

namespace ProjectionGen.Alerts;

/// <summary>The default alert sink: one log line per alert (event id 1101; 1110 naming the tenant of a tenant database's daemon), warning or error by severity.</summary>
public sealed class LoggingAlertSink : IProjectionAlertSink
{
    private readonly ILogger logger;

    /// <summary>Creates the sink.</summary>
    public LoggingAlertSink(ILogger<LoggingAlertSink> logger) => this.logger = logger;

    /// <inheritdoc />
    public ValueTask OnAlertAsync(ProjectionAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var level = alert switch
        {
            { DuringShutdown: true } => LogLevel.Information,
            { Kind: ProjectionAlertKind.AgentPaused } => LogLevel.Error,
            _ => LogLevel.Warning,
        };
        if (alert.TenantId is { } tenant)
        {
            AlertsLog.TenantAlert(logger, level, alert.Kind, alert.Projection, tenant, alert.Node, alert.Epoch, alert.Cause ?? "(none)");
        }
        else
        {
            AlertsLog.Alert(logger, level, alert.Kind, alert.Projection, alert.Node, alert.Epoch, alert.Cause ?? "(none)");
        }

        return ValueTask.CompletedTask;
    }
}
