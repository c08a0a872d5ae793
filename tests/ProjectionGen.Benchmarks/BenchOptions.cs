using System.Globalization;

namespace ProjectionGen.Benchmarks;

/// <summary>The sizes and switches of one benchmark run, from the command line.</summary>
public sealed record BenchOptions
{
    /// <summary>Tiny sizes, a few seconds, no BenchmarkDotNet run: what <c>build/test.sh</c> runs so the benchmarks cannot rot.</summary>
    public bool Smoke { get; init; }

    /// <summary>Events of the catch-up workload.</summary>
    public int Events { get; init; } = 200_000;

    /// <summary>Streams of the catch-up workload.</summary>
    public int Streams { get; init; } = 10_000;

    /// <summary>Events of one stream per append call when seeding (small, so batches interleave many streams).</summary>
    public int EventsPerAppend { get; init; } = 5;

    /// <summary>Steady append rate of the live-latency scenario, events per second.</summary>
    public int LiveRate { get; init; } = 1_000;

    /// <summary>Events per append call in the live-latency scenario.</summary>
    public int LiveEventsPerAppend { get; init; } = 10;

    /// <summary>How long the live-latency scenario appends.</summary>
    public TimeSpan LiveDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Trials per failover kind.</summary>
    public int FailoverTrials { get; init; } = 10;

    /// <summary>Events of the peak-memory catch-up.</summary>
    public int MemoryEvents { get; init; } = 1_000_000;

    /// <summary>Event counts of the catch-up-at-scale runs (1M by default; add 5M with --scale-events 1000000,5000000).</summary>
    public IReadOnlyList<int> ScaleEvents { get; init; } = [1_000_000];

    /// <summary>Runs of each fencing variant in the guard-cost scenario (alternated, best taken).</summary>
    public int GuardRepeats { get; init; } = 3;

    /// <summary>Only the lever variants whose name contains this text (all when null).</summary>
    public string? LeverFilter { get; init; }

    /// <summary>Runs of Marten's async daemon (each on a fresh copy of its seeded database, best taken).</summary>
    public int MartenRepeats { get; init; } = 2;

    /// <summary>Runs the dispatch micro-benchmark with BenchmarkDotNet (otherwise a short stopwatch loop).</summary>
    public bool BenchmarkDotNet { get; init; } = true;

    /// <summary>Runs the event store's append-throughput table.</summary>
    public bool AppendTable { get; init; } = true;

    /// <summary>Multiplies the appends of the append-throughput table.</summary>
    public int AppendScale { get; init; } = 1;

    /// <summary>Trials of the cluster rebalance scenario (each: leave, join, crash, restart, drain, undrain, hung, wake).</summary>
    public int RebalanceTrials { get; init; } = 5;

    /// <summary>The eviction timeout of the rebalance scenario's nodes; null for the daemon's default.</summary>
    public TimeSpan? RebalanceEvictionTimeout { get; init; }

    /// <summary>Projections (4 shards each) of the large coordination-load cluster.</summary>
    public int CoordinationProjections { get; init; } = 100;

    /// <summary>How long the coordination load of an idle cluster is measured.</summary>
    public TimeSpan CoordinationDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Events of each sharded-throughput run (1, 2 and 4 shards of a projection waiting 2 ms per event).</summary>
    public int ShardEvents { get; init; } = 4_000;

    /// <summary>Events of the pooler catch-up (direct against through PgBouncer in transaction mode).</summary>
    public int PoolerEvents { get; init; } = 50_000;

    /// <summary>Tenant databases (4 projections each) of the tenant scenario, over three node processes.</summary>
    public int TenantDatabases { get; init; } = 300;

    /// <summary>Tenant databases that get a backlog for the tenant scenario's catch-up after a restart (at most <see cref="TenantDatabases"/>).</summary>
    public int TenantCatchUpTenants { get; init; } = 60;

    /// <summary>Events appended to each of those tenant databases.</summary>
    public int TenantCatchUpEvents { get; init; } = 2_000;

    /// <summary>How long the tenant scenario's idle load is measured.</summary>
    public TimeSpan TenantIdleDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Runs the server with fsync=on.</summary>
    public bool Durable { get; init; }

    /// <summary>Where report.md, results.csv and the chart go.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("artifacts", "bench");

    /// <summary>Scenario names to run (catchup, guard, levers, rowwrites, scale, live, failover, memory, dispatch, append, rebalance, coordination, shards, pooler, tenants); empty runs all.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="scenario"/> runs.</summary>
    public bool Runs(string scenario) => Only.Count == 0 || Only.Contains(scenario);

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: build/bench.sh [options]
          --smoke               tiny sizes, a few seconds (what build/test.sh runs)
          --events N            catch-up events (default 200000)
          --streams N           catch-up streams (default 10000)
          --events-per-append N events of one stream per append when seeding (default 5)
          --rate N              live-latency append rate, events/s (default 1000)
          --live-seconds N      live-latency duration (default 15)
          --trials N            failover trials per kind (default 10)
          --memory-events N     events of the peak-memory catch-up (default 1000000)
          --scale-events N,M    event counts of the catch-up-at-scale runs (default 1000000; the 5M profile:
                                --only catchup,scale --scale-events 1000000,5000000)
          --guard-repeats N     runs per fencing variant and per lever variant (default 3)
          --lever-filter TEXT   only the lever variants whose name contains TEXT (e.g. "JSON")
          --marten-repeats N    runs of Marten's daemon (default 2)
          --no-bdn              dispatch micro-benchmark with a stopwatch loop instead of BenchmarkDotNet
          --no-append           skip the append-throughput table
          --scale N             multiplies the append-throughput table's appends
          --rebalance-trials N  cluster rebalance trials (default 5)
          --coordination-projections N  4-shard idle projections of the coordination-load cluster (default 100)
          --coordination-seconds N      how long the idle load is measured (default 30)
          --shard-events N      events of each sharded-throughput run (default 4000)
          --pooler-events N     events of the pooler catch-up, direct against through PgBouncer (default 50000)
          --tenant-databases N  tenant databases (x 4 projections) over three node processes (default 300)
          --tenant-events N     events appended to each of 60 tenant databases for the catch-up after a restart (default 2000)
          --tenant-idle-seconds N  how long the tenant databases' idle load is measured (default 30)
          --durable             server with fsync=on
          --only a,b            run only these scenarios: catchup, guard, levers, scale, live, failover, memory, dispatch,
                                append, rebalance, coordination, shards, pooler, tenants; rowwrites (the write lever alone, part of levers)
          --out DIR             output directory (default artifacts/bench)
        """;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option or a missing or invalid value.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var smoke = args.Contains("--smoke");
        var options = smoke
            ? new BenchOptions
            {
                Smoke = true, Events = 2_000, Streams = 100, LiveRate = 200, LiveDuration = TimeSpan.FromSeconds(2), FailoverTrials = 1,
                MemoryEvents = 3_000, ScaleEvents = [4_000], GuardRepeats = 1, MartenRepeats = 1, BenchmarkDotNet = false, AppendScale = 0,
                RebalanceTrials = 1, RebalanceEvictionTimeout = TimeSpan.FromSeconds(3), CoordinationProjections = 10,
                CoordinationDuration = TimeSpan.FromSeconds(5), ShardEvents = 300, PoolerEvents = 2_000,
                TenantDatabases = 6, TenantCatchUpTenants = 3, TenantCatchUpEvents = 100, TenantIdleDuration = TimeSpan.FromSeconds(4),
            }
            : new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            int Number() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{arg} needs a positive whole number.");
            options = arg switch
            {
                "--smoke" => options,
                "--events" => options with { Events = Number() },
                "--streams" => options with { Streams = Number() },
                "--events-per-append" => options with { EventsPerAppend = Number() },
                "--rate" => options with { LiveRate = Number() },
                "--live-seconds" => options with { LiveDuration = TimeSpan.FromSeconds(Number()) },
                "--trials" => options with { FailoverTrials = Number() },
                "--memory-events" => options with { MemoryEvents = Number() },
                "--scale-events" => options with { ScaleEvents = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{arg} needs positive whole numbers."))] },
                "--guard-repeats" => options with { GuardRepeats = Number() },
                "--lever-filter" => options with { LeverFilter = Value() },
                "--marten-repeats" => options with { MartenRepeats = Number() },
                "--no-bdn" => options with { BenchmarkDotNet = false },
                "--no-append" => options with { AppendTable = false },
                "--scale" => options with { AppendScale = Number() },
                "--rebalance-trials" => options with { RebalanceTrials = Number() },
                "--coordination-projections" => options with { CoordinationProjections = Math.Min(Number(), 100) },
                "--coordination-seconds" => options with { CoordinationDuration = TimeSpan.FromSeconds(Number()) },
                "--shard-events" => options with { ShardEvents = Number() },
                "--pooler-events" => options with { PoolerEvents = Number() },
                "--tenant-databases" => options with { TenantDatabases = Number() },
                "--tenant-events" => options with { TenantCatchUpEvents = Number() },
                "--tenant-idle-seconds" => options with { TenantIdleDuration = TimeSpan.FromSeconds(Number()) },
                "--durable" => options with { Durable = true },
                "--only" => options with { Only = new HashSet<string>(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase) },
                "--out" => options with { OutputDirectory = Value() },
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }

        return options;
    }
}
