namespace ProjectionGen.Chaos.Projections;

/// <summary>A counter aggregate per stream: a duplicate or a gap changes <see cref="Count"/> and <see cref="Sum"/>.</summary>
public sealed class ChaosCounter
{
    public long Count { get; set; }

    public long Sum { get; set; }

    public long LastSequence { get; set; }
}
