namespace ProjectionGen.Tests.Projections;

/// <summary>Fails on deposits of 13 until the test "deploys the fix" (<see cref="Fixed"/>): a dead letter that a retry can then apply.</summary>
[Projection("flaky", MaxRetries = 0, BatchSize = 10)]
public partial class FlakyProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS flaky_ledger (seq bigint NOT NULL, amount int NOT NULL)";

    public bool Fixed { get; set; }

    public void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer)
    {
        if (e.Amount == 13 && !Fixed)
        {
            throw new InvalidOperationException("13 is unlucky until fixed");
        }

        writer.Execute("INSERT INTO flaky_ledger (seq, amount) VALUES ($1, $2)", metadata.Sequence, e.Amount);
    }
}
