using ProjectionGen.Daemon;

namespace ProjectionGen.Chaos.Node;

/// <summary>One lifecycle event of a node, as a JSON line in the node's history file.</summary>
internal sealed record LifecycleRecord(DateTimeOffset At, ProjectionLifecycleKind Kind, string Projection, string Node, long Epoch, string? Cause, long From, long To);
