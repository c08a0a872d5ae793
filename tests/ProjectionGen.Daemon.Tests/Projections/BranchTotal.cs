namespace ProjectionGen.Tests.Projections;

/// <summary>A multi-stream counter: any event applied twice or skipped shows in <see cref="Events"/> and <see cref="Balance"/>.</summary>
public sealed class BranchTotal
{
    public int Balance { get; set; }

    public int Events { get; set; }

    public long LastSequence { get; set; }
}
