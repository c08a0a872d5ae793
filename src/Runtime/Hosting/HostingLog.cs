using Microsoft.Extensions.Logging;

namespace ProjectionGen.Hosting;

/// <summary>
/// Log messages of hosting, with stable event ids (1100-1199; the daemon's are 1000-1099). Alerts, health sampling and
/// operations log through their own classes in the same range (<c>AlertsLog</c> 1101-1103, <c>OperationsLog</c> 1105,
/// <c>HealthLog</c> 1106-1107). Messages never carry connection strings.
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Schema {Schema} applied at start-up, with the document tables of {Count} aggregate projections")]
    public static partial void SchemaApplied(ILogger logger, string schema, int count);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "ProjectionGen daemon starting: node {Node}, schema {Schema}, {Count} projections")]
    public static partial void DaemonStarting(ILogger logger, string node, string schema, int count);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information, Message = "ProjectionGen daemon stopped: node {Node}")]
    public static partial void DaemonStopped(ILogger logger, string node);
}
