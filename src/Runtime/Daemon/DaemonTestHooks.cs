using ProjectionGen.Guard;

namespace ProjectionGen.Daemon;

/// <summary>
/// The daemon's internal levers and hooks, for tests, benchmarks and the fault suite only; a daemon built through the
/// public constructor runs with the defaults below. Built once per daemon and reached through
/// <see cref="AgentServices.Hooks"/>.
/// </summary>
internal sealed record DaemonTestHooks
{
    /// <summary>Test hook: runs after the in-memory guard and before the commit is sent.</summary>
    public Func<IProjectionBatch, Task>? BeforeCommit { get; init; }

    /// <summary>How much of the guard commits carry: always <see cref="CommitFencing.Full"/> outside the guard-cost benchmark and the fault suite's checker test.</summary>
    public CommitFencing Fencing { get; init; } = CommitFencing.Full;

    /// <summary>
    /// Whether a batch's runs of identical single-row INSERTs are sent as one grouped INSERT each (see docs/daemon.md,
    /// "Writes: grouped single-row INSERTs"): always on outside the benchmark that measures it against the commands as queued.
    /// </summary>
    public bool GroupWrites { get; init; } = true;

    /// <summary>
    /// Whether an agent reads its next batch on a connection of its own while the current one commits (see
    /// docs/daemon.md, "Reading ahead"): always on outside the benchmark that measures it.
    /// </summary>
    public bool ReadAhead { get; init; } = true;

    /// <summary>
    /// The fewest rows of one run (<see cref="IProjectionWriter.Insert{TRow}(TRow)"/>) that are sent with binary COPY in
    /// an explicit transaction instead of one unnest INSERT in the commit batch (see docs/daemon.md, "Writes: typed rows"):
    /// <see cref="int.MaxValue"/>, never, because COPY measured slower than the unnest INSERT at batch sizes up to 2,000
    /// rows (docs/benchmarks.md, "Typed rows (lever 5): the write lever, COPY and auto-prepare"); set only by the benchmark that measures it and the tests that keep it correct.
    /// </summary>
    public int RowCopyThreshold { get; init; } = int.MaxValue;

    /// <summary>
    /// Whether a single-stream aggregate's documents are read in the event read's round trip (see docs/daemon.md,
    /// "Reading ahead"): off, because with the read ahead it did not pay (docs/benchmarks.md, "Levers side by side"); on only in the
    /// benchmark that measures it and the tests that keep it correct.
    /// </summary>
    public bool FoldDocumentLoad { get; init; }

    /// <summary>Test hook: runs in a read ahead once it has read the next batch, before that batch is used or dropped.</summary>
    public Action<BatchRead>? ReadAheadRead { get; init; }

    /// <summary>
    /// Fault-suite hook: an INSERT run in every batch's transaction right after the fenced update, with parameters
    /// $1 projection, $2 epoch, $3 node, $4 from, $5 to — the audit trail the fault suite's checker reads.
    /// </summary>
    public string? AuditSql { get; init; }

    /// <summary>
    /// Whether the node registers its projections' shapes at start (docs/cluster.md, "Shapes across code versions"):
    /// always on outside the test that shows what a rolling deploy loses without the shape fence.
    /// </summary>
    public bool RegisterShapes { get; init; } = true;
}
