namespace ProjectionGen.Tests.Projections;

/// <summary>Throws on deposits of 13: a poison event to be retried, then dead-lettered.</summary>
[Projection("fragile", MaxRetries = 2, BatchSize = 10)]
public partial class FragileProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS fragile_ledger (seq bigint NOT NULL, amount int NOT NULL)";

    public int Attempts { get; private set; }

    public void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer)
    {
        if (e.Amount == 13)
        {
            Attempts++;
            throw new InvalidOperationException("13 is unlucky");
        }

        writer.Execute("INSERT INTO fragile_ledger (seq, amount) VALUES ($1, $2)", metadata.Sequence, e.Amount);
    }
}
