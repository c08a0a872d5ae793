namespace ProjectionGen.Tests.Projections;

/// <summary>
/// Throws on deposits of 13 and has no <c>BatchSize</c> of its own, so its batches grow while it catches up: a poison
/// event deep in a grown batch must still get exactly <c>MaxRetries + 1</c> attempts.
/// </summary>
[Projection("fragile_growing", MaxRetries = 2)]
public partial class GrowingFragileProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS fragile_growing_ledger (seq bigint NOT NULL, amount int NOT NULL)";

    public int Attempts { get; private set; }

    public void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer)
    {
        if (e.Amount == 13)
        {
            Attempts++;
            throw new InvalidOperationException("13 is unlucky");
        }

        writer.Execute("INSERT INTO fragile_growing_ledger (seq, amount) VALUES ($1, $2)", metadata.Sequence, e.Amount);
    }
}
