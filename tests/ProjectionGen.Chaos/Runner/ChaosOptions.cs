namespace ProjectionGen.Chaos.Runner;

/// <summary>One fault-injection run.</summary>
internal sealed record ChaosOptions
{
    /// <summary>How long faults are injected (writers run as long).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The seed of the fault schedule and the writers; random when null (and printed).</summary>
    public int? Seed { get; init; }

    public int Nodes { get; init; } = 3;

    public int Writers { get; init; } = 3;

    /// <summary>Runs the nodes with the epoch condition dropped, to show that the checker catches it.</summary>
    public bool Unfenced { get; init; }

    /// <summary>The fault kinds to draw from; all when null.</summary>
    public IReadOnlyList<FaultKind>? Faults { get; init; }

    /// <summary>Where node logs, histories and the report go.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("artifacts", "chaos");

    /// <summary>How long projections may take to catch up once faults stop.</summary>
    public TimeSpan CatchUpBound { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The pause between faults: drawn between these bounds.</summary>
    public (TimeSpan Min, TimeSpan Max) FaultGap { get; init; } = (TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(4));
}
