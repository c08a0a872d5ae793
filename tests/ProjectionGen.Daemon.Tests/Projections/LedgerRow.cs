namespace ProjectionGen.Tests.Projections;

/// <summary>One row of <c>row_ledger</c>, written through the typed row API.</summary>
[ProjectionRow("row_ledger")]
public sealed partial record LedgerRow(long Seq, string Account, int Amount);
