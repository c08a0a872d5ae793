using Microsoft.Extensions.Logging;

namespace ProjectionGen.Daemon;

/// <summary>The daemon's log messages, with stable event ids (1000-1099). Messages never carry connection strings.</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Lock acquired: projection {Projection} on node {Node} at epoch {Epoch}, resuming after position {Position}")]
    public static partial void LockAcquired(ILogger logger, string projection, string node, long epoch, long position);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Lock lost: projection {Projection} on node {Node} at epoch {Epoch}; cause: {Cause}")]
    public static partial void LockLost(ILogger logger, string projection, string node, long epoch, string cause);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Agent started: projection {Projection} on node {Node} at epoch {Epoch}")]
    public static partial void AgentStarted(ILogger logger, string projection, string node, long epoch);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Agent stopped on a refused commit: projection {Projection} on node {Node} at epoch {Epoch}; reason: {Reason}")]
    public static partial void AgentStoppedOnProgressFailure(ILogger logger, string projection, string node, long epoch, ProjectionProgressFailure reason, ProjectionProgressException exception);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Agent stopped: projection {Projection} on node {Node} at epoch {Epoch}; reason: {Reason}")]
    public static partial void AgentStopped(ILogger logger, string projection, string node, long epoch, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Agent paused: projection {Projection} on node {Node} at epoch {Epoch}; reason: {Reason}")]
    public static partial void AgentPaused(ILogger logger, string projection, string node, long epoch, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "Batch committed: projection {Projection} epoch {Epoch} positions ({From}, {To}] with {EventCount} events")]
    public static partial void BatchCommitted(ILogger logger, string projection, long epoch, long from, long to, int eventCount);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Event dead-lettered: projection {Projection} event {Sequence} ({EventType}) after {Attempts} attempts; reason: {Reason}")]
    public static partial void EventDeadLettered(ILogger logger, string projection, long sequence, string eventType, int attempts, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Event failed: projection {Projection} event {Sequence} attempt {Attempt} of {MaxAttempts}; the batch is retried")]
    public static partial void HandlerFailed(ILogger logger, string projection, long sequence, int attempt, int maxAttempts, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Transient failure: projection {Projection} on node {Node}; retrying in {Delay} while keeping ownership")]
    public static partial void TransientFailure(ILogger logger, string projection, string node, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Lock connection opened: node {Node}, backend {BackendPid}")]
    public static partial void LockConnectionOpened(ILogger logger, string node, int backendPid);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Lock connection lost: node {Node}; cause: {Cause}; every lock it held is gone")]
    public static partial void LockConnectionLost(ILogger logger, string node, string cause, Exception exception);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "Lock connection refused: node {Node}: {Reason}")]
    public static partial void LockConnectionRefused(ILogger logger, string node, string reason);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "Lock connection unavailable: node {Node}; retrying in {Delay}")]
    public static partial void LockConnectionUnavailable(ILogger logger, string node, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Batch failed: projection {Projection} after position {Position} with {EventCount} events; retrying in {Delay}, one event at a time when there are several")]
    public static partial void BatchFailed(ILogger logger, string projection, long position, int eventCount, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "Agent failed: projection {Projection} on node {Node} at epoch {Epoch}")]
    public static partial void AgentFailed(ILogger logger, string projection, string node, long epoch, Exception exception);
}
