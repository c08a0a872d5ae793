namespace ProjectionGen.Shapes.App;

/// <summary>A deposit: both builds handle it.</summary>
public sealed record Deposited(string Account, int Amount);

/// <summary>A withdrawal: only the new build's <see cref="ShapeLedgerProjection"/> handles it (and only its writers append it).</summary>
public sealed record Withdrawn(string Account, int Amount);
