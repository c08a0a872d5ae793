namespace ProjectionGen.Chaos.Projections;

/// <summary>The fault suite's only event: an amount added to a stream's counter.</summary>
public sealed record Tick(int Amount);
