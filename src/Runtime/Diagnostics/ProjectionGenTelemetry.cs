using System.Diagnostics;
using System.Diagnostics.Metrics;
using ProjectionGen.Common;
using ProjectionGen.Daemon;
using ProjectionGen.Operations;

namespace ProjectionGen.Diagnostics;

/// <summary>
/// ProjectionGen's metrics (a <see cref="Meter"/> named <see cref="MeterName"/>, OpenTelemetry-style names and units)
/// and traces (an <see cref="ActivitySource"/> named <see cref="ActivitySourceName"/>, one span per committed batch),
/// fed from the daemons' <see cref="ProjectionDaemon.Lifecycle"/> events; lag gauges read the latest status sample.
/// </summary>
/// <remarks>
/// Instruments: <c>projectiongen.events.processed</c>, <c>projectiongen.batches.committed</c>,
/// <c>projectiongen.batch.duration</c> (s), <c>projectiongen.lag.events</c>, <c>projectiongen.lag.seconds</c> (s),
/// <c>projectiongen.locks.held</c>, <c>projectiongen.lock.acquisitions</c>, <c>projectiongen.lock.losses</c> (tag
/// <c>cause</c>), <c>projectiongen.commits.fenced</c>, <c>projectiongen.events.dead_lettered</c>,
/// <c>projectiongen.version.builds</c>, <c>projectiongen.version.switches</c>, <c>projectiongen.version.retirements</c>
/// (docs/versions.md). A tenant database's daemon reports <c>projectiongen.lag.events</c> per slot from the high-water
/// mark its store last read and <c>projectiongen.lag.seconds</c> per running slot from the oldest event its last read
/// found pending (both tagged <c>projection</c>, <c>node</c>, <c>tenant</c>; no query). Every measurement is
/// tagged <c>projection</c>; those of one node also <c>node</c>; those of a tenant database's daemon
/// (<see cref="Attach(ProjectionDaemon, string?)"/>) also <c>tenant</c>, and so are its batch spans (docs/tenancy.md,
/// "Operations per tenant").
/// </remarks>
public sealed class ProjectionGenTelemetry : IDisposable
{
    /// <summary>The meter's name: <c>ProjectionGen</c>.</summary>
    public const string MeterName = "ProjectionGen";

    /// <summary>The activity source's name: <c>ProjectionGen</c>.</summary>
    public const string ActivitySourceName = "ProjectionGen";

    /// <summary>The name of the span of one committed batch.</summary>
    public const string BatchActivityName = "projectiongen.batch";

    // The daemon reports a commit refused by the guard as a lock loss with this cause prefix (SubscriptionAgent).
    private const string FencedCommitCausePrefix = "fenced commit";

    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly ActivitySource activitySource = new(ActivitySourceName);
    private readonly Counter<long> eventsProcessed;
    private readonly Counter<long> batchesCommitted;
    private readonly Histogram<double> batchDuration;
    private readonly Counter<long> lockAcquisitions;
    private readonly Counter<long> lockLosses;
    private readonly Counter<long> commitsFenced;
    private readonly Counter<long> deadLettered;
    private readonly Counter<long> slotMoves;
    private readonly Counter<long> nodeEvictions;
    private readonly Counter<long> versionBuilds;
    private readonly Counter<long> versionSwitches;
    private readonly Counter<long> versionRetirements;
    private readonly Lock gate = new();
    private readonly List<(ProjectionDaemon Daemon, string? Tenant, EventHandler<ProjectionLifecycleEventArgs> Handler)> daemons = [];
    private Func<IReadOnlyList<ProjectionStatus>> lagSource = () => [];

    /// <summary>Creates the instruments, through <paramref name="meterFactory"/> when given (the host's), else on a meter of their own.</summary>
    public ProjectionGenTelemetry(IMeterFactory? meterFactory = null)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        eventsProcessed = meter.CreateCounter<long>("projectiongen.events.processed", "{event}", "Events applied by projection handlers in committed batches.");
        batchesCommitted = meter.CreateCounter<long>("projectiongen.batches.committed", "{batch}", "Batches committed under a valid epoch.");
        batchDuration = meter.CreateHistogram<double>("projectiongen.batch.duration", "s", "Time from reading the high-water mark to the end of a batch's commit.");
        lockAcquisitions = meter.CreateCounter<long>("projectiongen.lock.acquisitions", "{acquisition}", "Projection locks acquired (each with a new epoch).");
        lockLosses = meter.CreateCounter<long>("projectiongen.lock.losses", "{loss}", "Projection locks lost, by cause.");
        commitsFenced = meter.CreateCounter<long>("projectiongen.commits.fenced", "{commit}", "Batch commits refused by the guard (lock gone or epoch superseded).");
        deadLettered = meter.CreateCounter<long>("projectiongen.events.dead_lettered", "{event}", "Events written to the dead-letter table.");
        slotMoves = meter.CreateCounter<long>("projectiongen.slot.moves", "{move}", "Slots a node handed to another node gracefully (rebalance or drain), by cause.");
        nodeEvictions = meter.CreateCounter<long>("projectiongen.node.evictions", "{eviction}", "Lock sessions of hung nodes (stale heartbeat) ended by this node.");
        versionBuilds = meter.CreateCounter<long>("projectiongen.version.builds", "{build}", "Generations that started building beside the live one (a new version, a shadow rebuild or a switch back).");
        versionSwitches = meter.CreateCounter<long>("projectiongen.version.switches", "{switch}", "Readers switched to a generation that had caught up (fenced, one transaction).");
        versionRetirements = meter.CreateCounter<long>("projectiongen.version.retirements", "{retirement}", "Kept generations retired (table dropped, progress rows deleted).");
        meter.CreateObservableGauge("projectiongen.locks.held", ObserveLocksHeld, "{lock}", "Projection locks held by this process's nodes.");
        meter.CreateObservableGauge("projectiongen.lag.events", ObserveLagEvents, "{event}", "Sequence numbers between a projection's position and the safe high-water mark.");
        meter.CreateObservableGauge("projectiongen.lag.seconds", ObserveLagSeconds, "s", "Age of a projection's oldest unprocessed event.");
    }

    /// <summary>Records <paramref name="daemon"/>'s lifecycle events and held locks until the returned handle is disposed.</summary>
    public IDisposable Attach(ProjectionDaemon daemon) => Attach(daemon, null);

    /// <summary>
    /// Records the lifecycle events and held locks of <paramref name="daemon"/>, the daemon of tenant
    /// <paramref name="tenantId"/>'s database, until the returned handle is disposed: its measurements and batch spans
    /// are also tagged <c>tenant</c> (one series set per tenant database a node runs; docs/tenancy.md, "Operations per tenant").
    /// </summary>
    /// <param name="daemon">The daemon.</param>
    /// <param name="tenantId">The tenant whose database the daemon serves; <see langword="null"/> for no tenant tag (as <see cref="Attach(ProjectionDaemon)"/>).</param>
    public IDisposable Attach(ProjectionDaemon daemon, string? tenantId)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        EventHandler<ProjectionLifecycleEventArgs> handler = tenantId is null ? OnLifecycle : (_, e) => Record(e, tenantId);
        var entry = (daemon, tenantId, handler);
        lock (gate)
        {
            daemons.Add(entry);
        }

        daemon.Lifecycle += handler;
        return new Unsubscriber(() =>
        {
            daemon.Lifecycle -= handler;
            lock (gate)
            {
                daemons.Remove(entry);
            }
        });
    }

    /// <summary>Records <paramref name="operations"/>' shadow rebuilds, switch-backs and retirements until the returned handle is disposed.</summary>
    public IDisposable Attach(Versions.ProjectionVersionOperations operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        operations.Lifecycle += OnLifecycle;
        return new Unsubscriber(() => operations.Lifecycle -= OnLifecycle);
    }

    /// <summary>Sets where the lag gauges read the latest per-projection lag (the cluster monitor's last sample).</summary>
    public void ObserveLag(Func<IReadOnlyList<ProjectionStatus>> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lagSource = source;
    }

    /// <summary>Records one lifecycle event (what <see cref="Attach(ProjectionDaemon)"/> subscribes).</summary>
    public void Record(ProjectionLifecycleEventArgs e) => Record(e, null);

    /// <summary>Records one lifecycle event of tenant <paramref name="tenantId"/>'s daemon (tagged <c>tenant</c>), or of no tenant's when <see langword="null"/>.</summary>
    private void Record(ProjectionLifecycleEventArgs e, string? tenantId)
    {
        ArgumentNullException.ThrowIfNull(e);
        var tags = new TagList { { "projection", e.Projection }, { "node", e.Node } };
        var nodeOnly = new TagList { { "node", e.Node } };
        var projectionOnly = new TagList { { "projection", e.Projection } };
        if (tenantId is not null)
        {
            tags.Add("tenant", tenantId);
            nodeOnly.Add("tenant", tenantId);
            projectionOnly.Add("tenant", tenantId);
        }

        switch (e.Kind)
        {
            case ProjectionLifecycleKind.BatchCommitted:
                batchesCommitted.Add(1, tags);
                eventsProcessed.Add(e.EventCount, tags);
                batchDuration.Record(e.Duration.TotalSeconds, tags);
                TraceBatch(e, tenantId);
                break;
            case ProjectionLifecycleKind.LockAcquired:
                lockAcquisitions.Add(1, tags);
                break;
            case ProjectionLifecycleKind.LockLost:
                var cause = e.Cause ?? "unknown";
                var withCause = tags;
                withCause.Add("cause", cause);
                lockLosses.Add(1, withCause);
                if (cause.StartsWith(FencedCommitCausePrefix, StringComparison.Ordinal))
                {
                    commitsFenced.Add(1, tags);
                }

                break;
            case ProjectionLifecycleKind.EventDeadLettered:
                deadLettered.Add(1, tags);
                break;
            case ProjectionLifecycleKind.SlotHandedOff:
                var withMoveCause = tags;
                withMoveCause.Add("cause", e.Cause ?? "rebalance");
                slotMoves.Add(1, withMoveCause);
                break;
            case ProjectionLifecycleKind.NodeEvicted:
                nodeEvictions.Add(1, nodeOnly);
                break;
            case ProjectionLifecycleKind.VersionBuildStarted:
                versionBuilds.Add(1, projectionOnly);
                break;
            case ProjectionLifecycleKind.VersionSwitched:
                versionSwitches.Add(1, tags);
                break;
            case ProjectionLifecycleKind.VersionRetired:
                versionRetirements.Add(1, projectionOnly);
                break;
            default:
                break;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            foreach (var (daemon, _, handler) in daemons)
            {
                daemon.Lifecycle -= handler;
            }

            daemons.Clear();
        }

        activitySource.Dispose();
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }

    private void OnLifecycle(object? sender, ProjectionLifecycleEventArgs e) => Record(e);

    // The span is recorded when the batch has committed, with the batch's real start and end times.
    private void TraceBatch(ProjectionLifecycleEventArgs e, string? tenantId)
    {
        if (!activitySource.HasListeners())
        {
            return;
        }

        var tags = new ActivityTagsCollection
        {
            ["projection"] = e.Projection,
            ["node"] = e.Node,
            ["epoch"] = e.Epoch,
            ["from"] = e.FromPosition,
            ["to"] = e.ToPosition,
            ["event_count"] = e.EventCount,
        };
        if (tenantId is not null)
        {
            tags["tenant"] = tenantId;
        }

        using var activity = activitySource.StartActivity(BatchActivityName, ActivityKind.Internal, default(ActivityContext), tags, null, e.Timestamp - e.Duration);
        activity?.SetEndTime(e.Timestamp.UtcDateTime);
    }

    private List<Measurement<int>> ObserveLocksHeld()
    {
        List<(ProjectionDaemon Daemon, string? Tenant, EventHandler<ProjectionLifecycleEventArgs> Handler)> attached;
        lock (gate)
        {
            attached = [.. daemons];
        }

        return attached
            .SelectMany(x => x.Daemon.GetStates().Select(state => (x.Daemon.NodeName, x.Tenant, state)))
            .Select(x =>
            {
                var tags = new TagList { { "projection", x.state.Projection }, { "node", x.NodeName } };
                if (x.Tenant is not null)
                {
                    tags.Add("tenant", x.Tenant);
                }

                return new Measurement<int>(x.state.Status == AgentStatus.Running ? 1 : 0, tags);
            })
            .ToList();
    }

    private IEnumerable<Measurement<long>> ObserveLagEvents()
    {
        List<(ProjectionDaemon Daemon, string? Tenant, EventHandler<ProjectionLifecycleEventArgs> Handler)> tenantDaemons;
        lock (gate)
        {
            tenantDaemons = [.. daemons.Where(d => d.Tenant is not null)];
        }

        // A tenant daemon's lag is its slots' distance to the high-water mark its store last read (no query); the
        // host's own daemon's comes from the cluster monitor's sample, as before.
        var tenantLag = tenantDaemons
            .Where(x => x.Daemon.KnownHighWaterMark > 0)
            .SelectMany(x => x.Daemon.GetStates().Select(state => new Measurement<long>(
                Math.Max(0, x.Daemon.KnownHighWaterMark - state.Position),
                new TagList { { "projection", state.Projection }, { "node", x.Daemon.NodeName }, { "tenant", x.Tenant } })));
        return lagSource().Select(s => new Measurement<long>(s.LagEvents, new KeyValuePair<string, object?>("projection", s.Projection))).Concat(tenantLag).ToList();
    }

    private IEnumerable<Measurement<double>> ObserveLagSeconds()
    {
        List<(ProjectionDaemon Daemon, string? Tenant, EventHandler<ProjectionLifecycleEventArgs> Handler)> tenantDaemons;
        lock (gate)
        {
            tenantDaemons = [.. daemons.Where(d => d.Tenant is not null)];
        }

        // A tenant daemon's lag in time is the age of the oldest event its running slots' last reads found pending (no
        // query); 0 for a slot its last read found at the mark.
        var now = TimeProvider.System.GetUtcNow();
        var tenantLag = tenantDaemons
            .SelectMany(x => x.Daemon.GetStates().Where(state => state.Status == AgentStatus.Running).Select(state => new Measurement<double>(
                state.OldestPendingAt is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0,
                new TagList { { "projection", state.Projection }, { "node", x.Daemon.NodeName }, { "tenant", x.Tenant } })));
        return lagSource().Select(s => new Measurement<double>(s.Lag.TotalSeconds, new KeyValuePair<string, object?>("projection", s.Projection))).Concat(tenantLag).ToList();
    }
}
