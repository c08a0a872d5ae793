namespace ProjectionGen.Chaos.Projections;

/// <summary>
/// One row per event in a table without a unique constraint: any double application leaves two rows. It declares its
/// table (docs/versions.md, "Event projections"), so the version faults hit it too: readers count the view
/// <c>projectiongen.chaos_ledger</c>, and each generation writes its own copy.
/// </summary>
[Projection("chaos_ledger", BatchSize = 50, Tables = new[] { "chaos_ledger" })]
public partial class ChaosLedgerProjection
{
    public static void Handle(Tick tick, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO " + writer.Table("chaos_ledger") + " (seq, stream_id, amount) VALUES ($1, $2, $3)", metadata.Sequence, metadata.StreamId, tick.Amount);
}
