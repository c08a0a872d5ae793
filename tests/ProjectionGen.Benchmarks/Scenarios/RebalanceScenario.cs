using System.Diagnostics;
using System.Globalization;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Operations;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// How long the slots of three node processes with twelve projections take to be balanced again after each
/// kind of membership change, measured from <c>pg_locks</c> (sampled every 50 ms) with default settings. Each trial
/// takes one node through a graceful leave, a join, a crash (SIGKILL), a restart, a drain, an undrain, a hang (SIGSTOP
/// with its sessions left open, past the eviction timeout) and its wake. The run ends with the exactly-once check.
/// </summary>
public static class RebalanceScenario
{
    private static readonly string[] Names = ["n1", "n2", "n3"];

    private sealed record Change(string Kind, string Measured, TimeSpan Target);

    private static readonly Change[] Changes =
    [
        new("graceful leave", "SIGTERM to balanced over the other two", TimeSpan.FromSeconds(5)),
        new("join", "process start to balanced over three", TimeSpan.FromSeconds(10)),
        new("crash", "SIGKILL to balanced over the other two", TimeSpan.FromSeconds(3)),
        new("restart after crash", "process start to balanced over three", TimeSpan.FromSeconds(10)),
        new("drain", "drain call to balanced over the other two", TimeSpan.FromSeconds(5)),
        new("undrain", "undrain call to balanced over three", TimeSpan.FromSeconds(10)),
        new("hung (SIGSTOP)", "SIGSTOP to balanced over the other two", TimeSpan.FromSeconds(15)),
        new("wake (SIGCONT)", "SIGCONT to fenced, rejoined, balanced over three", TimeSpan.FromSeconds(10)),
    ];

    /// <summary>Runs the trials and adds the rebalance table and its targets.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var times = Changes.ToDictionary(c => c.Kind, _ => new List<double>());
        var missed = Changes.ToDictionary(c => c.Kind, _ => 0);
        var database = await context.Databases.CreateAsync("rebalance");
        var directory = Path.GetFullPath(Path.Combine(options.OutputDirectory, "cluster-nodes", $"rebalance-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        IReadOnlyList<string> violations;
        try
        {
            await using var cluster = await ClusterHarness.CreateAsync(database, ProjectionSets.Acceptance, directory, CancellationToken.None);
            var nodes = Names.Select(n => cluster.AddNode(n, s => s with
            {
                CommitDelay = TimeSpan.Zero,
                EvictionTimeout = options.RebalanceEvictionTimeout,
                HeartbeatTimeout = options.RebalanceEvictionTimeout / 2,
            })).ToList();
            cluster.StartWriters(1, seed: 12);
            foreach (var node in nodes)
            {
                node.Start();
            }

            if (await Measure(cluster, "start-up", Names, nodes[^1].StartedAt, TimeSpan.FromSeconds(60)) is null)
            {
                throw new TimeoutException($"Three nodes were not balanced within 60 s of starting: {cluster.Sampler.Latest?.Describe()}");
            }

            var operations = new ProjectionClusterOperations(cluster.Store);
            for (var trial = 0; trial < options.RebalanceTrials; trial++)
            {
                var victim = nodes[trial % nodes.Count];
                var others = Names.Where(n => n != victim.Name).ToArray();
                context.Progress($"rebalance trial {trial + 1}/{options.RebalanceTrials} on {victim.Name}");

                async Task Record(string kind, IReadOnlyCollection<string> holders, long since)
                {
                    var change = Changes.Single(c => c.Kind == kind);
                    var elapsed = await Measure(cluster, kind, holders, since, 3 * change.Target);
                    if (elapsed is { } e)
                    {
                        times[kind].Add(e.TotalMilliseconds);
                    }
                    else
                    {
                        missed[kind]++;
                    }

                    context.Progress($"  {kind}: {(elapsed is { } t ? $"{t.TotalMilliseconds:F0} ms" : "not balanced within " + (3 * change.Target).TotalSeconds + " s")}");
                }

                var left = Stopwatch.GetTimestamp();
                await victim.StopGracefullyAsync(TimeSpan.FromSeconds(30));
                await Record("graceful leave", others, left);
                victim.Start();
                await Record("join", Names, victim.StartedAt);

                await victim.KillAsync();
                await Record("crash", others, Stopwatch.GetTimestamp());
                victim.Start();
                await Record("restart after crash", Names, victim.StartedAt);

                var drained = Stopwatch.GetTimestamp();
                await operations.DrainAsync(victim.Name, CancellationToken.None);
                await Record("drain", others, drained);
                var undrained = Stopwatch.GetTimestamp();
                await operations.UndrainAsync(victim.Name, CancellationToken.None);
                await Record("undrain", Names, undrained);

                await victim.PauseAsync();
                var stopped = Stopwatch.GetTimestamp();
                await Record("hung (SIGSTOP)", others, stopped);

                // Stay stopped well past the eviction timeout, as a long GC pause or a frozen VM would.
                var eviction = options.RebalanceEvictionTimeout ?? TimeSpan.FromSeconds(8);
                var rest = eviction + TimeSpan.FromSeconds(2) - Stopwatch.GetElapsedTime(stopped);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest);
                }

                await victim.ResumeAsync();
                await Record("wake (SIGCONT)", Names, Stopwatch.GetTimestamp());
            }

            context.Progress("rebalance: catching up and checking exactly once");
            violations = await cluster.FinishAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
        }
        finally
        {
            await context.Databases.DropAsync(database);
        }

        if (violations.Count > 0)
        {
            throw new InvalidOperationException($"The rebalance run broke {violations.Count} invariants: {string.Join("; ", violations.Take(10))}");
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var change in Changes)
        {
            var values = times[change.Kind];
            var p99 = Percentiles.Of(values, 99);
            rows.Add([change.Kind, change.Measured, (values.Count + missed[change.Kind]).ToString(CultureInfo.InvariantCulture),
                Ms(Percentiles.Of(values, 50)), Ms(p99), Ms(values.Count > 0 ? values.Max() : double.NaN),
                missed[change.Kind].ToString(CultureInfo.InvariantCulture), BenchReport.Format(change.Target.TotalSeconds, "F0")]);
            context.Report.Measure("rebalance", change.Kind, "p50_ms", Percentiles.Of(values, 50), "ms");
            context.Report.Measure("rebalance", change.Kind, "p99_ms", p99, "ms");
            if (values.Count > 0 && missed[change.Kind] == 0)
            {
                context.Report.Below($"rebalance p99: {change.Kind}", p99, change.Target.TotalMilliseconds, "F0", " ms");
            }
            else
            {
                context.Report.Judge(new TargetCheck($"rebalance p99: {change.Kind}", $"< {change.Target.TotalMilliseconds:F0} ms", "not balanced in " + missed[change.Kind] + " trials", false, "missed"));
            }
        }

        context.Report.Add(new ReportSection(
            "Rebalance (cluster)",
            $"Three node processes (the fault suite's node program, default settings{(options.RebalanceEvictionTimeout is { } t ? $" but an eviction timeout of {t.TotalSeconds:F0} s" : "")}) run twelve projections while a writer appends; "
            + $"{options.RebalanceTrials} trials, each taking one node through every change below. Balanced: every slot held by exactly one lock connection, "
            + "each node of the expected set holding 4 (or 6 with two nodes), sampled from pg_locks joined with pg_stat_activity every 50 ms. The run ends with the exactly-once check (passed).",
            ["change", "measured from", "trials", "p50 ms", "p99 ms", "max ms", "not balanced within 3x the target", "target s"],
            rows,
            ["A hung node keeps its TCP sessions: nothing tells the server it is gone; its heartbeat goes stale and the eviction timeout decides.",
             "Times include the sampling interval (50 ms) and, for joins, the start of a .NET process on a loaded 2-core machine."]));
    }

    private static Task<TimeSpan?> Measure(ClusterHarness cluster, string what, IReadOnlyCollection<string> holders, long since, TimeSpan timeout)
    {
        _ = what;
        return cluster.MeasureAsync(s => s.IsBalanced(holders), since, timeout, CancellationToken.None);
    }

    private static string Ms(double value) => double.IsNaN(value) ? "–" : BenchReport.Format(value, "F0");
}
