namespace ProjectionGen.Chaos.Projections;

/// <summary>One row per event in a table without a unique constraint: any double application leaves two rows.</summary>
[Projection("chaos_ledger", BatchSize = 50)]
public partial class ChaosLedgerProjection
{
    public static void Handle(Tick tick, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO chaos_ledger (seq, stream_id, amount) VALUES ($1, $2, $3)", metadata.Sequence, metadata.StreamId, tick.Amount);
}
