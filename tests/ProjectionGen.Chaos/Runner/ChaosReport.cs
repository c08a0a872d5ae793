using System.Globalization;
using System.Text;
using ProjectionGen.Chaos.Checker;
using ProjectionGen.Daemon;

namespace ProjectionGen.Chaos.Runner;

/// <summary>The run's report in markdown: faults, volumes, fencing, violations, detection and failover times, seed.</summary>
internal static class ChaosReport
{
    public static string Write(int seed, ChaosOptions options, IReadOnlyList<InjectedFault> faults, ChaosHistory history, ChaosWriters writers, LockSampler sampler, IReadOnlyList<string> violations)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"# Chaos report (seed {seed})");
        text.AppendLine();
        text.AppendLine(culture, $"- duration of faults: {options.Duration.TotalMinutes:F1} min; nodes: {options.Nodes}; writers: {options.Writers}; fencing: {(options.Unfenced ? "**OFF (unfenced test build)**" : "on")}");
        text.AppendLine(culture, $"- events committed: {history.Events.Count}; append attempts: {writers.Attempted} ({writers.Failed} failed during faults)");
        text.AppendLine(culture, $"- batches committed: {history.Audit.Count}; lock acquisitions: {history.Lifecycle.Count(r => r.Kind == ProjectionLifecycleKind.LockAcquired)}; lock losses: {history.Lifecycle.Count(r => r.Kind == ProjectionLifecycleKind.LockLost)}");
        text.AppendLine(culture, $"- stale commits rejected by the fenced commit: {InvariantChecker.CountRejectedStaleCommits(history)} (of which epoch superseded: {InvariantChecker.CountEpochSupersededCommits(history)}); commits accepted after their epoch was superseded: {violations.Count(v => v.StartsWith("I3", StringComparison.Ordinal))}");
        text.AppendLine(culture, $"- pg_locks samples: {sampler.Samples}");
        text.AppendLine(culture, $"- server restarts or crashes: {faults.Count(f => f.Kind is FaultKind.ServerRestart or FaultKind.ServerCrash or FaultKind.ServerHeldDown)}; lock-connection terminations: {faults.Count(f => f.Kind is FaultKind.TerminateLockConnection or FaultKind.TerminateBoth or FaultKind.PauseNode)}");
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
                    takeover.AddRange(TakeoversFromAudit(history, victim, fault.At));
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

    private static IEnumerable<double> TakeoversFromAudit(ChaosHistory history, string victim, DateTimeOffset at)
    {
        foreach (var chain in history.Audit.GroupBy(row => row.Projection))
        {
            var last = chain.LastOrDefault(row => row.CommittedAt < at);
            if (last?.Node != victim)
            {
                continue;
            }

            var successor = chain.FirstOrDefault(row => row.CommittedAt >= at && row.Node != victim);
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
