namespace ProjectionGen.Hosting.Tests.Projections;

/// <summary>A counter document: an event applied twice or skipped shows in <see cref="Events"/> and <see cref="Amount"/>.</summary>
public sealed class Balance
{
    public int Amount { get; set; }

    public int Events { get; set; }

    public long LastSequence { get; set; }
}
