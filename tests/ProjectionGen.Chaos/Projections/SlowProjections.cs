namespace ProjectionGen.Chaos.Projections;

// The sharded-throughput benchmark's projections: each handler waits 2 ms per event, as a call to an external service
// would, so one slot projects at most about 500 events per second and shards are the only way to go faster.

/// <summary>Waits 2 ms per event; one slot.</summary>
[Projection("bench_slow_1", BatchSize = 200)]
public partial class BenchSlow1Projection
{
    public static Task Handle(Tick tick, CancellationToken cancellationToken) => SlowCall.WaitAsync(tick, cancellationToken);
}

/// <summary>Waits 2 ms per event; two shards.</summary>
[Projection("bench_slow_2", BatchSize = 200, Shards = 2)]
public partial class BenchSlow2Projection
{
    public static Task Handle(Tick tick, CancellationToken cancellationToken) => SlowCall.WaitAsync(tick, cancellationToken);
}

/// <summary>Waits 2 ms per event; four shards.</summary>
[Projection("bench_slow_4", BatchSize = 200, Shards = 4)]
public partial class BenchSlow4Projection
{
    public static Task Handle(Tick tick, CancellationToken cancellationToken) => SlowCall.WaitAsync(tick, cancellationToken);
}
