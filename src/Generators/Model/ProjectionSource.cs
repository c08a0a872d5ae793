namespace ProjectionGen.Generators.Model;

/// <summary>What the emitter writes one projection's file from: its model and the stored names it reads through upcasters.</summary>
/// <param name="Model">The projection's model, from the inspector.</param>
/// <param name="UpcastFromNames">
/// The stored names (sorted, ordinal) that the compilation's upcasters convert, directly or through a chain, into one of the
/// projection's handled types; the descriptor carries them so that a daemon without the upcasters refuses to start.
/// </param>
internal sealed record ProjectionSource(ProjectionModel Model, EquatableArray<string> UpcastFromNames);
