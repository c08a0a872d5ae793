namespace ProjectionGen.Generators.Json;

/// <summary>A type left to the options' own resolver, and why (reported by the analyzer as information).</summary>
/// <param name="Type">The type as shown in messages.</param>
/// <param name="Reason">Why its contract is not generated.</param>
internal sealed record JsonFallback(string Type, string Reason);
