namespace ProjectionGen.EventStore;

/// <summary>One statement of a <see cref="SchemaPlan"/>, with every value a literal.</summary>
/// <param name="Sql">The statement, without a terminating semicolon.</param>
/// <param name="Section">What it belongs to (a migration's version and description), a comment line in a script.</param>
internal sealed record PlannedStatement(string Sql, string Section);
