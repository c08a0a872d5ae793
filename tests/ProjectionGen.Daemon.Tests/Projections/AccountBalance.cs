namespace ProjectionGen.Tests.Projections;

/// <summary>A counter aggregate: any event applied twice or skipped shows in <see cref="Events"/> and <see cref="Balance"/>.</summary>
public sealed class AccountBalance
{
    public int Balance { get; set; }

    public int Events { get; set; }

    public long LastSequence { get; set; }
}
