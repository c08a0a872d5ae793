namespace ProjectionGen.Chaos.Runner;

/// <summary>One fault-injection run.</summary>
internal sealed record ChaosOptions
{
    /// <summary>How long faults are injected (writers run as long).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The seed of the fault schedule and the writers; random when null (and printed).</summary>
    public int? Seed { get; init; }

    /// <summary>Nodes running at the start.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Further nodes, not running at the start, for <see cref="FaultKind.JoinNode"/>.</summary>
    public int SpareNodes { get; init; } = 1;

    /// <summary>The projections every node hosts (by default the chaos set: 12 slots, two projections sharded).</summary>
    public IReadOnlyList<string> Projections { get; init; } = Node.ProjectionSets.Chaos;

    /// <summary>The nodes' eviction timeout: shorter than the default 8 s so that hung-node faults fit in short runs.</summary>
    public TimeSpan EvictionTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How soon the slots must be balanced again after a membership change (join, leave, restart, SIGCONT).</summary>
    public TimeSpan RebalanceBound { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How soon a killed node's slots must run on the others.</summary>
    public TimeSpan CrashBound { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How soon a drained node's slots must have moved.</summary>
    public TimeSpan DrainBound { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How soon a hung node's slots must run elsewhere, from its SIGSTOP.</summary>
    public TimeSpan HungBound { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How soon a shadow rebuild or a switch back must have gone live (it replays every event under the writers).</summary>
    public TimeSpan VersionSwitchBound { get; init; } = TimeSpan.FromSeconds(90);

    public int Writers { get; init; } = 3;

    /// <summary>
    /// The nodes' pause between the guard and the commit; null for the node default (25 ms). A longer pause makes a
    /// SIGSTOP almost sure to catch owners with a checked but unsent commit in hand.
    /// </summary>
    public TimeSpan? CommitDelay { get; init; }

    /// <summary>Runs the nodes with the epoch condition dropped, to show that the checker catches it.</summary>
    public bool Unfenced { get; init; }

    /// <summary>
    /// Pooler mode: a PgBouncer in transaction mode in front of the server; the nodes' batches and the writers' appends
    /// go through it (statements not prepared), the lock connections go direct (docs/operations.md, "Behind a
    /// connection pooler"), and the pooler faults (<see cref="FaultKind.PoolerRestart"/>,
    /// <see cref="FaultKind.TerminatePoolerBackends"/>) join the draw.
    /// </summary>
    public bool Pooler { get; init; }

    /// <summary>
    /// Tenant mode when above 0: this many tenant databases (every other one on a second server), listed in the master
    /// table of the run's database and run by a <see cref="Tenancy.TenantDatabaseNode"/> on every node, balanced over the
    /// nodes; the tenant faults (<see cref="FaultKind.TenantAdd"/>, <see cref="FaultKind.TenantRemove"/>,
    /// <see cref="FaultKind.TenantRemoveReAdd"/>, <see cref="FaultKind.TenantServerDown"/>) join the draw, and every
    /// tenant database is checked on its own (docs/chaos.md, "Tenant mode").
    /// </summary>
    public int Tenants { get; init; }

    /// <summary>The projections of every tenant database in tenant mode.</summary>
    public IReadOnlyList<string> TenantProjections { get; init; } = ["chaos_counter", "chaos_ledger"];

    /// <summary>The fault kinds to draw from; all when null (the pooler faults only in pooler mode).</summary>
    public IReadOnlyList<FaultKind>? Faults { get; init; }

    /// <summary>Where node logs, histories and the report go.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("artifacts", "chaos");

    /// <summary>How long projections may take to catch up once faults stop.</summary>
    public TimeSpan CatchUpBound { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The pause between faults: drawn between these bounds.</summary>
    public (TimeSpan Min, TimeSpan Max) FaultGap { get; init; } = (TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(4));
}
