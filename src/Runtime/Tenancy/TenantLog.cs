using Microsoft.Extensions.Logging;

namespace ProjectionGen.Tenancy;

/// <summary>The log messages of databases per tenant, with stable event ids (1050-1059). Messages never carry connection strings.</summary>
internal static partial class TenantLog
{
    [LoggerMessage(EventId = 1050, Level = LogLevel.Information, Message = "Tenant database added: tenant {Tenant} on node {Node}; starting its daemon")]
    public static partial void Added(ILogger logger, string tenant, string node);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Information, Message = "Tenant database running: tenant {Tenant} on node {Node}")]
    public static partial void Running(ILogger logger, string tenant, string node);

    [LoggerMessage(EventId = 1052, Level = LogLevel.Warning, Message = "Tenant database failed to start: tenant {Tenant} on node {Node}, attempt {Attempt} ({Error}); retried in {Delay}")]
    public static partial void StartFailed(ILogger logger, string tenant, string node, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 1053, Level = LogLevel.Information, Message = "Tenant database removed: tenant {Tenant} on node {Node}; its daemon stopped and its connections are closed")]
    public static partial void Removed(ILogger logger, string tenant, string node);

    [LoggerMessage(EventId = 1054, Level = LogLevel.Warning, Message = "Tenant source failed on node {Node} ({Error}); the {Count} tenant databases running keep running")]
    public static partial void SourceFailed(ILogger logger, string node, string error, int count);

    [LoggerMessage(EventId = 1055, Level = LogLevel.Warning, Message = "Tenant database skipped: a master table row is invalid ({Reason})")]
    public static partial void RowSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 1056, Level = LogLevel.Warning, Message = "Tenant database stop failed: tenant {Tenant} on node {Node} ({Error}); its connections are closed anyway")]
    public static partial void StopFailed(ILogger logger, string tenant, string node, string error);

    [LoggerMessage(EventId = 1057, Level = LogLevel.Warning, Message = "Tenant databases not placed: {Count} that no live node can take ({Tenants}); {Nodes} live nodes, budget {Budget} each")]
    public static partial void Unplaced(ILogger logger, int count, string tenants, int nodes, string budget);

    [LoggerMessage(EventId = 1058, Level = LogLevel.Information, Message = "Tenant node {Node} joins nodes running for {SettleDelay} or more: it places its tenant databases now, without its startup settle delay")]
    public static partial void JoinedEstablished(ILogger logger, string node, TimeSpan settleDelay);

    [LoggerMessage(EventId = 1059, Level = LogLevel.Warning, Message = "Tenant status board not updated by node {Node} ({Error}); the tenant databases keep running, the board shows their last published state")]
    public static partial void BoardFailed(ILogger logger, string node, string error);
}
