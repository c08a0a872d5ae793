namespace ProjectionGen.Tests.Projections;

/// <summary>The ledger split into four shards by stream: each shard is a slot of its own, on whichever node placement picks.</summary>
[Projection("sharded_ledger", BatchSize = 25, Shards = 4)]
public partial class ShardedLedgerProjection : IResettableProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS sharded_ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO sharded_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO sharded_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);

    public void Reset(IProjectionWriter writer) => writer.Execute("DELETE FROM sharded_ledger");
}
