namespace ProjectionGen.Tests.Projections;

/// <summary>Queues a typed row for every deposit, then throws on deposits of 13: a poison event whose row was already queued.</summary>
[Projection("fragile_rows", MaxRetries = 2, BatchSize = 10)]
public partial class FragileRowProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS fragile_rows (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public int Attempts { get; private set; }

    public void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer)
    {
        writer.Insert(new FragileRow(metadata.Sequence, e.Account, e.Amount));
        if (e.Amount == 13)
        {
            Attempts++;
            throw new InvalidOperationException("13 is unlucky");
        }
    }
}

/// <summary>One row of <c>fragile_rows</c>.</summary>
[ProjectionRow("fragile_rows")]
public sealed partial record FragileRow(long Seq, string Account, int Amount);
