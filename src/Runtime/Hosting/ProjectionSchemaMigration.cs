namespace ProjectionGen.Hosting;

/// <summary>A versioned step of the event store's schema that a database has yet to run (<see cref="ProjectionSchemaState.DueMigrations"/>).</summary>
/// <param name="Version">The step's schema version.</param>
/// <param name="Description">What the step does, as recorded in <c>schema_version</c> once it has run.</param>
public sealed record ProjectionSchemaMigration(int Version, string Description);
