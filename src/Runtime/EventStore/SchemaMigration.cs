namespace ProjectionGen.EventStore;

/// <summary>
/// One versioned step of the store's schema: statements that are each idempotent (<c>IF NOT EXISTS</c>,
/// <c>CREATE OR REPLACE</c>), so that a step interrupted before its version row was written can simply run again.
/// </summary>
/// <param name="Version">The step's version: steps are numbered 1, 2, 3... without gaps.</param>
/// <param name="Description">What the step does, recorded in <c>schema_version</c>.</param>
/// <param name="Statements">Builds the step's SQL statements for a schema; identifiers come from <see cref="SchemaContext"/> only.</param>
internal sealed record SchemaMigration(int Version, string Description, Func<SchemaContext, IReadOnlyList<string>> Statements);
