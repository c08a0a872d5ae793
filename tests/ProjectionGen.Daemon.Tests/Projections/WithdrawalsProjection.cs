namespace ProjectionGen.Tests.Projections;

/// <summary>Handles withdrawals only: over deposits alone its batches hold no event and commit nothing but progress.</summary>
[Projection("withdrawals", BatchSize = 25)]
public partial class WithdrawalsProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS withdrawals_seen (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO withdrawals_seen (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);
}
