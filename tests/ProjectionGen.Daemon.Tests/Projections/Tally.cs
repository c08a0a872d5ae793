namespace ProjectionGen.Tests.Projections;

/// <summary>How many deposits a stream has had.</summary>
public sealed class Tally
{
    public int Count { get; set; }
}
