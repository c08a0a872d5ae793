namespace ProjectionGen.Chaos.Projections;

// The ten small counters of the cluster acceptance tests: with chaos_ledger and chaos_counter they make the twelve
// unsharded slots that three nodes split 4/4/4. Each keeps its own documents (doc_chaos_counter_NN), so a batch applied
// twice or lost during any handoff changes that projection's fold.

/// <summary>Small counter 01: a count and sum per stream.</summary>
[Projection("chaos_counter_01", BatchSize = 40)]
public partial class ChaosCounter01Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 02: a count and sum per stream.</summary>
[Projection("chaos_counter_02", BatchSize = 40)]
public partial class ChaosCounter02Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 03: a count and sum per stream.</summary>
[Projection("chaos_counter_03", BatchSize = 40)]
public partial class ChaosCounter03Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 04: a count and sum per stream.</summary>
[Projection("chaos_counter_04", BatchSize = 40)]
public partial class ChaosCounter04Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 05: a count and sum per stream.</summary>
[Projection("chaos_counter_05", BatchSize = 40)]
public partial class ChaosCounter05Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 06: a count and sum per stream.</summary>
[Projection("chaos_counter_06", BatchSize = 40)]
public partial class ChaosCounter06Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 07: a count and sum per stream.</summary>
[Projection("chaos_counter_07", BatchSize = 40)]
public partial class ChaosCounter07Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 08: a count and sum per stream.</summary>
[Projection("chaos_counter_08", BatchSize = 40)]
public partial class ChaosCounter08Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 09: a count and sum per stream.</summary>
[Projection("chaos_counter_09", BatchSize = 40)]
public partial class ChaosCounter09Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}

/// <summary>Small counter 10: a count and sum per stream.</summary>
[Projection("chaos_counter_10", BatchSize = 40)]
public partial class ChaosCounter10Projection
{
    public static void Apply(Tick tick, ChaosCounter counter, EventMetadata metadata) => ChaosCounter.Fold(counter, tick, metadata);
}
