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

    [LoggerMessage(EventId = 1031, Level = LogLevel.Error, Message = "Batch stalled: projection {Projection} on node {Node} failed {Failures} times in a row after position {Position} with no event to blame; still retrying with backoff")]
    public static partial void BatchStalled(ILogger logger, string projection, string node, long position, int failures, Exception exception);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "Agent failed: projection {Projection} on node {Node} at epoch {Epoch}")]
    public static partial void AgentFailed(ILogger logger, string projection, string node, long epoch, Exception exception);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Information, Message = "Node registered: node {Node} runs {Projections}; capacity {Capacity}")]
    public static partial void NodeRegistered(ILogger logger, string node, string projections, string capacity);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Information, Message = "Slot handed off: {Projection} from node {Node} at epoch {Epoch} to node {Target}; cause: {Cause}")]
    public static partial void SlotHandedOff(ILogger logger, string projection, string node, long epoch, string target, string cause);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "Node evicted: node {Node} ended the lock session (backend {BackendPid}) of node {Evicted}, whose heartbeat is {Age} old")]
    public static partial void NodeEvicted(ILogger logger, string node, string evicted, int backendPid, TimeSpan age);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Warning, Message = "Eviction failed: node {Node} could not end the lock session of node {Evicted} ({Reason}); the server's idle_session_timeout still applies")]
    public static partial void EvictionFailed(ILogger logger, string node, string evicted, string reason);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Placement changed on node {Node}: {Live} live nodes, this node is assigned {Assigned} of {Slots} slots{Draining}")]
    public static partial void PlacementChanged(ILogger logger, string node, int live, int assigned, int slots, string draining);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Error, Message = "Slot retired: {Projection} on node {Node}: {Reason}")]
    public static partial void SlotRetired(ILogger logger, string projection, string node, string reason);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Slot busy: the progress row of {Projection} is locked by another transaction (a rebuild or a slow commit); node {Node} gave the lock back and tries again later")]
    public static partial void SlotBusy(ILogger logger, string projection, string node);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Information, Message = "Slot paused: {Projection} on node {Node} at epoch {Epoch} stays paused until resumed")]
    public static partial void SlotHeldPaused(ILogger logger, string projection, string node, long epoch);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Information, Message = "Node deregistered: node {Node}")]
    public static partial void NodeDeregistered(ILogger logger, string node);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Debug, Message = "Read ahead failed: projection {Projection} reads its next batch itself")]
    public static partial void ReadAheadFailed(ILogger logger, string projection, Exception exception);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information, Message = "Version build started: generation {Generation} of {Projection} builds beside the live one (registered by node {Node})")]
    public static partial void VersionBuildStarted(ILogger logger, string projection, string generation, string node);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "Version switched: readers of {Projection} now read generation {Generation} (switched by node {Node} under epoch {Epoch})")]
    public static partial void VersionSwitched(ILogger logger, string projection, string generation, string node, long epoch);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Information, Message = "Generation not projected: {Projection} on node {Node} stops, its generation is {State}")]
    public static partial void GenerationStopped(ILogger logger, string projection, string node, string state);

    [LoggerMessage(EventId = 1044, Level = LogLevel.Information, Message = "Shape registered: {Projection} on node {Node} registered a new shape (fingerprint {Fingerprint}); it reads {NewTypes} that the previous shape did not, and nodes with an older shape stop owning it")]
    public static partial void ShapeRegistered(ILogger logger, string projection, string node, string fingerprint, string newTypes);

    [LoggerMessage(EventId = 1045, Level = LogLevel.Warning, Message = "Shape superseded: a newer shape of {Projection} is registered, which reads {MissingTypes} that node {Node} does not handle; this node stops running it (docs/operations.md, \"Upgrading\")")]
    public static partial void ShapeSuperseded(ILogger logger, string projection, string node, string missingTypes);

    [LoggerMessage(EventId = 1046, Level = LogLevel.Error, Message = "Shape refused: node {Node} handles {NewTypes} in {Projection}, which the registered shape does not, and {Events} events of those types lie at or below its committed position: they would never be applied. This node does not run it; raise its Version (a new generation built from the first event) or run `rebuild --shadow` (docs/operations.md, \"Upgrading\")")]
    public static partial void ShapeRefused(ILogger logger, string projection, string node, string newTypes, long events);

    [LoggerMessage(EventId = 1043, Level = LogLevel.Error, Message = "Version switch failed: generation {Generation} of {Projection} on node {Node}: {SqlState} {Reason}; the build goes on and the switch is tried again in 10 s")]
    public static partial void VersionSwitchFailed(ILogger logger, string projection, string generation, string node, string sqlState, string reason);
}
