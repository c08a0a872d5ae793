using System.Globalization;
using System.Text;
using ProjectionGen.Chaos.Checker;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Daemon;

namespace ProjectionGen.Chaos.Runner;

/// <summary>The run's report in markdown: faults, volumes, fencing, violations, detection and failover times, seed.</summary>
internal static class ChaosReport
{
    /// <summary>How the nodes and writers reach the server.</summary>
    public static string Mode(ChaosOptions options) => (options.Pooler
        ? "pooler (batches and appends through PgBouncer in transaction mode, statements not prepared; lock connections direct)"
        : "direct (every connection to the server)")
        + (options.Tenants > 0 ? $"; tenant mode: {options.Tenants} tenant databases over two servers, a TenantDatabaseNode on every node (balanced), every tenant database checked on its own" : "");

    public static string Write(int seed, ChaosOptions options, FaultInjector injector, ChaosHistory history, ChaosWriters writers, OwnershipSampler sampler, IReadOnlyList<string> violations)
    {
        var faults = injector.Injected;
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"# Chaos report (seed {seed})");
        text.AppendLine();
        text.AppendLine(culture, $"- duration of faults: {options.Duration.TotalMinutes:F1} min; nodes: {options.Nodes} (+{options.SpareNodes} spare); slots: {sampler.Slots.Count} ({options.Projections.Count} projections); eviction timeout: {options.EvictionTimeout.TotalSeconds:F0} s; writers: {options.Writers}; fencing: {(options.Unfenced ? "**OFF (unfenced test build)**" : "on")}");
        text.AppendLine(culture, $"- mode: {Mode(options)}");
        var poolerFaults = options.Pooler
            ? string.Create(culture, $"; pooler restarts: {faults.Count(f => f.Kind == FaultKind.PoolerRestart)}; pooler server-connection terminations: {faults.Count(f => f.Kind == FaultKind.TerminatePoolerBackends)}")
            : "";
        text.AppendLine(culture, $"- events committed: {history.Events.Count}; append attempts: {writers.Attempted} ({writers.Failed} failed during faults)");
        text.AppendLine(culture, $"- batches committed: {history.Audit.Count}; lock acquisitions: {history.Lifecycle.Count(r => r.Kind == ProjectionLifecycleKind.LockAcquired)}; lock losses: {history.Lifecycle.Count(r => r.Kind == ProjectionLifecycleKind.LockLost)}");
        text.AppendLine(culture, $"- stale commits rejected by the fenced commit: {InvariantChecker.CountRejectedStaleCommits(history)} (of which epoch superseded: {InvariantChecker.CountEpochSupersededCommits(history)}); commits accepted after their epoch was superseded: {violations.Count(v => v.StartsWith("I3", StringComparison.Ordinal))}");
        text.AppendLine(culture, $"- pg_locks samples: {sampler.Samples}; slots held by two lock connections at once: {violations.Count(v => v.StartsWith("I9", StringComparison.Ordinal))}; overlapping ownership in the audit trail: {violations.Count(v => v.StartsWith("I8", StringComparison.Ordinal))}");
        text.AppendLine(culture, $"- slot moves (lock acquisitions after the first per slot): {Math.Max(0, history.Lifecycle.Count(r => r.Kind == ProjectionLifecycleKind.LockAcquired) - sampler.Slots.Count)}; membership changes timed: {injector.Rebalances.Count} ({injector.Rebalances.Count(r => !r.WithinBound)} over their bound)");
        text.AppendLine(culture, $"- server restarts or crashes: {faults.Count(f => f.Kind is FaultKind.ServerRestart or FaultKind.ServerCrash or FaultKind.ServerHeldDown)}; lock-connection terminations: {faults.Count(f => f.Kind is FaultKind.TerminateLockConnection or FaultKind.TerminateBoth or FaultKind.TerminatePausedLock)}{poolerFaults}");
        text.AppendLine(culture, $"- **invariant violations: {violations.Count}**");
        text.AppendLine();
        text.AppendLine("| fault | injected | losses | detection p50 / p99 / max (ms) | takeover p50 / p99 / max (ms) |");
        text.AppendLine("| --- | ---: | ---: | --- | --- |");
        var losses = InvariantChecker.LockLosses(history);
        foreach (var group in faults.GroupBy(f => f.Kind).OrderBy(g => g.Key))
        {
            var detection = new List<double>();
            var takeover = new List<double>();
            foreach (var fault in group)
            {
                var next = faults.Where(f => f.At > fault.At).Select(f => f.At).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
                var faultLosses = losses.Where(l => l.At >= fault.At && l.At < next && (fault.Node is null || l.Node == fault.Node)).ToList();
                if (faultLosses.Count == 0 && fault.Node is { } victim)
                {
                    // A killed or stopped node records no loss: time the takeover of what it owned from the audit trail.
                    takeover.AddRange(TakeoversFromAudit(history, victim, fault.At, next));
                }

                foreach (var loss in faultLosses)
                {
                    detection.Add((loss.At - fault.At).TotalMilliseconds);
                    var first = history.Audit.FirstOrDefault(a => a.Projection == loss.Projection && a.Epoch > loss.Epoch && a.CommittedAt >= loss.At);
                    if (first is not null)
                    {
                        takeover.Add((first.CommittedAt - fault.At).TotalMilliseconds);
                    }
                }
            }

            text.AppendLine(culture, $"| {group.Key} | {group.Count()} | {detection.Count} | {Percentiles(detection)} | {Percentiles(takeover)} |");
        }

        text.AppendLine();
        text.AppendLine("Detection is measured from the start of the fault (for a paused node: from the pause, so it includes the pause).");
        text.AppendLine("Takeover is the first commit under a newer epoch; for a killed or stopped node, which records no loss, the first commit by another node of what it owned.");
        if (injector.Rebalances.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("### Time to balance after membership changes (I10)");
            text.AppendLine();
            text.AppendLine("| fault | phase | bound (s) | measured | p50 / p99 / max (ms) | over the bound |");
            text.AppendLine("| --- | --- | ---: | ---: | --- | ---: |");
            foreach (var group in injector.Rebalances.GroupBy(r => (r.Kind, r.Phase)).OrderBy(g => g.Key.Kind).ThenBy(g => g.Key.Phase, StringComparer.Ordinal))
            {
                var times = group.Where(r => r.Elapsed is not null).Select(r => r.Elapsed!.Value.TotalMilliseconds).ToList();
                text.AppendLine(culture, $"| {group.Key.Kind} | {group.Key.Phase} | {group.First().Bound.TotalSeconds:F0} | {group.Count()} | {Percentiles(times)} | {group.Count(r => !r.WithinBound)} |");
            }

            text.AppendLine();
            text.AppendLine("Balanced: every slot held by exactly one lock connection (pg_locks), only by the running, awake, undrained nodes, each holding ⌊P/N⌋ or ⌈P/N⌉. "
                + "Timed from the moment the node's own code runs (join, restart: its first line, not the dotnet process start), the SIGTERM (leave), the SIGKILL (crash), the drain or undrain call, the SIGSTOP (hung) or the SIGCONT (woke), sampled every 50 ms.");
        }
        if (violations.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("## Violations (first 50)");
            foreach (var violation in violations.Take(50))
            {
                text.AppendLine("- " + violation);
            }
        }

        return text.ToString();
    }

    private static IEnumerable<double> TakeoversFromAudit(ChaosHistory history, string victim, DateTimeOffset at, DateTimeOffset next)
    {
        foreach (var chain in history.Audit.GroupBy(row => row.Projection))
        {
            var last = chain.LastOrDefault(row => row.CommittedAt < at);
            if (last?.Node != victim)
            {
                continue;
            }

            // Only a move caused by this fault: the next fault may move the slot for reasons of its own.
            var successor = chain.FirstOrDefault(row => row.CommittedAt >= at && row.CommittedAt < next && row.Node != victim);
            if (successor is not null)
            {
                yield return (successor.CommittedAt - at).TotalMilliseconds;
            }
        }
    }

    private static string Percentiles(List<double> values)
    {
        if (values.Count == 0)
        {
            return "-";
        }

        values.Sort();
        double At(double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"{At(0.5):F0} / {At(0.99):F0} / {values[^1]:F0}");
    }
}
