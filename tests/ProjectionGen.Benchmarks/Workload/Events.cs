namespace ProjectionGen.Benchmarks.Workload;

/// <summary>Money paid into an account; nine of every ten events of the catch-up workload.</summary>
public sealed record FundsDeposited(string Account, int Amount);

/// <summary>Money taken out of an account; every tenth event of the catch-up workload.</summary>
public sealed record FundsWithdrawn(string Account, int Amount);
