namespace ProjectionGen.Hosting.Tests.Projections;

public sealed record Deposited(string Account, int Amount);

public sealed record Withdrawn(string Account, int Amount);
