using Microsoft.Extensions.Logging;

namespace ProjectionGen.Alerts;

/// <summary>
/// Log messages of alerts, with stable event ids in the hosting range (1100-1199; 1101-1103 and 1110; shared with <c>HostingLog</c>,
/// <c>HealthLog</c> and <c>OperationsLog</c>). Messages never carry connection strings.
/// </summary>
internal static partial class AlertsLog
{
    [LoggerMessage(EventId = 1101, Message = "Projection alert: {Kind} of projection {Projection} on node {Node} at epoch {Epoch}; cause: {Cause}")]
    public static partial void Alert(ILogger logger, LogLevel level, ProjectionAlertKind kind, string projection, string node, long epoch, string cause);

    [LoggerMessage(EventId = 1110, Message = "Projection alert: {Kind} of projection {Projection} of tenant {Tenant} on node {Node} at epoch {Epoch}; cause: {Cause}")]
    public static partial void TenantAlert(ILogger logger, LogLevel level, ProjectionAlertKind kind, string projection, string tenant, string node, long epoch, string cause);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Alert sink {Sink} failed on a {Kind} alert of projection {Projection}")]
    public static partial void AlertSinkFailed(ILogger logger, string sink, ProjectionAlertKind kind, string projection, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Could not record the lock loss of projection {Projection} at epoch {Epoch} in its progress row ({Error}); best effort, the daemon is unaffected")]
    public static partial void LossNotRecorded(ILogger logger, string projection, long epoch, string error);
}
