namespace ProjectionGen.Chaos.Projections;

/// <summary>A counter aggregate per stream: a duplicate or a gap changes <see cref="Count"/> and <see cref="Sum"/>.</summary>
public sealed class ChaosCounter
{
    public long Count { get; set; }

    public long Sum { get; set; }

    public long LastSequence { get; set; }

    /// <summary>The fold every counter projection applies, and the checker recomputes from the committed events.</summary>
    public static void Fold(ChaosCounter counter, Tick tick, EventMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentNullException.ThrowIfNull(tick);
        counter.Count++;
        counter.Sum += tick.Amount;
        counter.LastSequence = metadata.Sequence;
    }
}
