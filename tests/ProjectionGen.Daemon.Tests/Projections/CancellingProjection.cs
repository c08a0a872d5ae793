namespace ProjectionGen.Tests.Projections;

/// <summary>Its handler throws <see cref="TaskCanceledException"/> (an HTTP call that timed out) on deposits of 13.</summary>
[Projection("cancelling", MaxRetries = 1)]
public partial class CancellingProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS cancelling_ledger (seq bigint NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer)
    {
        if (e.Amount == 13)
        {
            throw new TaskCanceledException("The HTTP request timed out.");
        }

        writer.Execute("INSERT INTO cancelling_ledger (seq) VALUES ($1)", metadata.Sequence);
    }
}
