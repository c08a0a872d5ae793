namespace ProjectionGen.Chaos.Projections;

[Projection("chaos_counter", BatchSize = 80)]
public partial class ChaosCounterProjection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}
