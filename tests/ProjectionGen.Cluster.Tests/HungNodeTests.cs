using System.Diagnostics;
using Npgsql;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;
using ProjectionGen.Daemon;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A node SIGSTOPped for 40 s keeps its TCP sessions (the test terminates no backend); the others
/// must evict it and run its slots within 15 s; after SIGCONT it must find itself fenced, commit nothing stale, and
/// rejoin; nothing is applied twice.
/// </summary>
public sealed class HungNodeTests(PostgresFixture fixture)
{
    private static readonly string[] Names = ["n1", "n2", "n3"];

    [Fact]
    public async Task A_hung_owner_is_evicted_within_15_s_and_is_fenced_and_rejoins_when_it_wakes_40_s_later()
    {
        await using var scenario = await ClusterScenario.StartAsync(fixture, "hung-owner", ProjectionSets.Acceptance);
        var nodes = scenario.AddNodes(Names);
        scenario.Cluster.StartWriters(2, seed: 9);
        foreach (var node in nodes)
        {
            node.Start();
        }

        await scenario.ExpectBalancedAsync("started", Names, await NodeProcess.LastUpAsync(nodes), TimeSpan.FromSeconds(10));
        var hung = nodes[1];
        var owned = scenario.Cluster.Sampler.Latest!.CountOf(hung.Name);
        var lockBackend = await LockBackendAsync(scenario, hung.Name);
        Assert.NotNull(lockBackend);

        await hung.PauseAsync();
        var stopped = Stopwatch.GetTimestamp();
        var others = Names.Where(n => n != hung.Name).ToArray();
        await scenario.ExpectAsync($"{hung.Name} (owner of {owned} slots) SIGSTOPped: its slots run on the others",
            s => s.IsBalanced(others) && s.CountOf(hung.Name) == 0, stopped, TimeSpan.FromSeconds(15));
        scenario.Record($"{hung.Name}'s lock backend {lockBackend} after the eviction: {(await BackendExistsAsync(scenario, lockBackend.Value) ? "still there" : "ended")}");
        var stoppedFor = TimeSpan.FromSeconds(40);
        await scenario.Cluster.HoldsForAsync("the others keep the hung node's slots", s => s.IsBalanced(others), stoppedFor - Stopwatch.GetElapsedTime(stopped), ClusterScenario.Ct);

        await hung.ResumeAsync();
        var resumed = Stopwatch.GetTimestamp();
        var resumedAt = DateTimeOffset.UtcNow;
        await scenario.ExpectBalancedAsync($"{hung.Name} woke after {stoppedFor.TotalSeconds:F0} s: rejoined", Names, resumed, TimeSpan.FromSeconds(10));

        // Fenced: the woken node learnt that its locks were gone (and any commit it had in hand was refused) before it
        // took anything again under a new epoch.
        var history = await scenario.Cluster.ReadHistoryAsync(ClusterScenario.Ct);
        var afterWake = history.Lifecycle.Where(r => r.Node == hung.Name && r.At >= resumedAt.AddSeconds(-1)).ToList();
        scenario.Record($"{hung.Name} after waking: {string.Join(", ", afterWake.GroupBy(r => r.Kind).Select(g => $"{g.Key} x{g.Count()}"))}");
        Assert.Contains(afterWake, r => r.Kind is ProjectionLifecycleKind.LockLost or ProjectionLifecycleKind.CommitRejected);
        var staleCommits = history.Audit.Where(a => a.Node == hung.Name && a.CommittedAt > resumedAt.AddSeconds(-1)).ToList();
        var firstNewAcquisition = afterWake.Where(r => r.Kind == ProjectionLifecycleKind.LockAcquired).Select(r => r.At).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        Assert.DoesNotContain(staleCommits, a => a.CommittedAt < firstNewAcquisition);
        await scenario.AssertExactlyOnceAsync();
    }

    private static async Task<int?> LockBackendAsync(ClusterScenario scenario, string node)
    {
        await using var command = scenario.Cluster.DataSource.CreateCommand("SELECT pid FROM pg_stat_activity WHERE application_name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = ProjectionDaemon.LockApplicationNameFor(node) });
        return await command.ExecuteScalarAsync(ClusterScenario.Ct) as int?;
    }

    private static async Task<bool> BackendExistsAsync(ClusterScenario scenario, int pid)
    {
        await using var command = scenario.Cluster.DataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pid });
        return (long)(await command.ExecuteScalarAsync(ClusterScenario.Ct))! > 0;
    }
}
