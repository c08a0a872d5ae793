namespace ProjectionGen.Benchmarks.Workload;

/// <summary>One row of <c>bench_ledger</c> (see <see cref="LedgerProjection.CreateTableSql"/>) for the typed row API.</summary>
/// <param name="Seq">The event's sequence.</param>
/// <param name="Account">The account.</param>
/// <param name="Amount">The signed amount.</param>
[ProjectionRow("bench_ledger")]
public sealed partial record BenchLedgerRow(long Seq, string Account, int Amount);
