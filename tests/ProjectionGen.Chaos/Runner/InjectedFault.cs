namespace ProjectionGen.Chaos.Runner;

/// <summary>A fault as injected: what, on which node (if any), and when it started and ended.</summary>
internal sealed record InjectedFault(FaultKind Kind, string? Node, DateTimeOffset At, DateTimeOffset EndedAt);
