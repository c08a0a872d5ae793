namespace ProjectionGen.Chaos.Projections;

/// <summary>
/// A sharded event projection: four slots, one row per event in a table without a unique constraint (a double
/// application leaves two rows). The serial id records the order rows were committed in, so the checker can also see
/// that each stream's events were applied in stream order.
/// </summary>
[Projection("chaos_sharded_ledger", BatchSize = 50, Shards = 4)]
public partial class ChaosShardedLedgerProjection
{
    public static void Handle(Tick tick, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO chaos_sharded_ledger (seq, stream_id, amount) VALUES ($1, $2, $3)", metadata.Sequence, metadata.StreamId, tick.Amount);
}
