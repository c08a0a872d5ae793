namespace ProjectionGen.Chaos.Projections;

[Projection("chaos_counter", BatchSize = 80)]
public partial class ChaosCounterProjection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata)
    {
        counter.Count++;
        counter.Sum += tick.Amount;
        counter.LastSequence = metadata.Sequence;
    }
}
