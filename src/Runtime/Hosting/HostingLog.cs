using Microsoft.Extensions.Logging;
using ProjectionGen.Alerts;

namespace ProjectionGen.Hosting;

/// <summary>
/// Log messages of hosting, alerts, health sampling and operations, with stable event ids (1100-1199; the daemon's
/// are 1000-1099). Messages never carry connection strings.
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1101, Message = "Projection alert: {Kind} of projection {Projection} on node {Node} at epoch {Epoch}; cause: {Cause}")]
    public static partial void Alert(ILogger logger, LogLevel level, ProjectionAlertKind kind, string projection, string node, long epoch, string cause);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Alert sink {Sink} failed on a {Kind} alert of projection {Projection}")]
    public static partial void AlertSinkFailed(ILogger logger, string sink, ProjectionAlertKind kind, string projection, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Could not record the lock loss of projection {Projection} at epoch {Epoch} in its progress row ({Error}); best effort, the daemon is unaffected")]
    public static partial void LossNotRecorded(ILogger logger, string projection, long epoch, string error);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Schema {Schema} applied at start-up, with the document tables of {Count} aggregate projections")]
    public static partial void SchemaApplied(ILogger logger, string schema, int count);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Projection {Projection} rebuilt: epoch {Epoch}, position reset from {PreviousPosition} to 0, read model cleared; the owner is fenced and a node replays it")]
    public static partial void Rebuilt(ILogger logger, string projection, long epoch, long previousPosition);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Sampling the projection status failed on node {Node} ({Error}); health reports degraded until a sample succeeds")]
    public static partial void SampleFailed(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Projection {Projection} runs on node {Node} under epoch {Epoch}, superseded by epoch {CurrentEpoch}: stopping the agent")]
    public static partial void SupersededAgentStopped(ILogger logger, string projection, string node, long epoch, long currentEpoch);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "ProjectionGen daemon starting: node {Node}, schema {Schema}, {Count} projections")]
    public static partial void DaemonStarting(ILogger logger, string node, string schema, int count);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information, Message = "ProjectionGen daemon stopped: node {Node}")]
    public static partial void DaemonStopped(ILogger logger, string node);
}
