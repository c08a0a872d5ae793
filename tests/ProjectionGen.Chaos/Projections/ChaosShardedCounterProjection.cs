namespace ProjectionGen.Chaos.Projections;

/// <summary>A sharded aggregate: four slots, each folding the streams that hash to it into doc_chaos_sharded_counter.</summary>
[Projection("chaos_sharded_counter", BatchSize = 60, Shards = 4)]
public partial class ChaosShardedCounterProjection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}
