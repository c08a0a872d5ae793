using System.Diagnostics;
using Npgsql;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Daemon;
using ProjectionGen.Operations;
using ProjectionGen.Testing;
using ProjectionGen.Versions;

namespace ProjectionGen.Chaos.Runner;

/// <summary>
/// Injects one fault at a time, drawn from the seeded random source, and records when each began and ended. After a
/// membership change (a node joins, leaves, restarts, is drained, hangs or wakes) it waits for the slots to be balanced
/// over the nodes that should hold them, and records how long that took (I10: within the bound). In pooler mode
/// (<paramref name="pooler"/> given) the pooler faults join the draw.
/// </summary>
internal sealed class FaultInjector(PostgresServer server, ClusterHarness cluster, ChaosOptions options, Random random, TextWriter log, PgBouncerProxy? pooler = null, TenantChaos? tenants = null)
{
    private static readonly FaultKind[] PoolerKinds = [FaultKind.PoolerRestart, FaultKind.TerminatePoolerBackends];

    /// <summary>The tenant mode's faults (docs/chaos.md, "Tenant mode").</summary>
    public static readonly FaultKind[] TenantKinds = [FaultKind.TenantAdd, FaultKind.TenantRemove, FaultKind.TenantRemoveReAdd, FaultKind.TenantServerDown];

    private static readonly FaultKind[] DirectKinds = [.. Enum.GetValues<FaultKind>().Except(PoolerKinds).Except(TenantKinds)];

    private static readonly string TerminatePoolerBackendsSql =
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        + "AND backend_type = 'client backend' AND application_name NOT LIKE 'projectiongen-lock:%' AND application_name <> '" + ClusterHarness.ApplicationName + "'";

    private readonly HashSet<string> draining = new(StringComparer.Ordinal);
    private readonly HashSet<string> shadowed = new(StringComparer.Ordinal);

    public List<InjectedFault> Injected { get; } = [];

    public List<RebalanceTime> Rebalances { get; } = [];

    /// <summary>I10 violations: balance not reached within its bound after a membership change.</summary>
    public List<string> Violations { get; } = [];

    /// <summary>The nodes that should hold slots: running, not stopped, not draining.</summary>
    private IReadOnlyList<string> Holders(params string[] except) => [.. cluster.LiveNodes(except).Where(n => !draining.Contains(n))];

    public async Task InjectAsync(IReadOnlyList<FaultKind>? kinds, CancellationToken cancellationToken)
    {
        IReadOnlyList<FaultKind> pool = kinds ?? [.. DirectKinds, .. pooler is null ? [] : PoolerKinds, .. tenants is null ? [] : TenantKinds, .. tenants is null ? [] : TenantKinds];
        if (pooler is null && pool.Any(PoolerKinds.Contains))
        {
            throw new InvalidOperationException($"{string.Join(", ", PoolerKinds)} need the pooler mode (--pooler).");
        }

        if (tenants is null && pool.Any(TenantKinds.Contains))
        {
            throw new InvalidOperationException($"{string.Join(", ", TenantKinds)} need the tenant mode (--tenants N).");
        }

        var kind = pool[random.Next(pool.Count)];
        var running = cluster.Nodes.Where(n => n.IsRunning).ToList();
        var spare = cluster.Nodes.Where(n => !n.IsRunning).ToList();
        if (running.Count == 0)
        {
            throw new InvalidOperationException($"No node process is running (see the node logs): {string.Join(", ", cluster.Nodes.Select(n => n.LogFile))}");
        }

        // Membership stays between two nodes and all of them: a join with no spare node leaves instead, and back.
        kind = kind switch
        {
            FaultKind.JoinNode when spare.Count == 0 => FaultKind.LeaveNode,
            FaultKind.LeaveNode when running.Count <= 2 => FaultKind.JoinNode,
            _ => kind,
        };
        kind = tenants?.Resolve(kind) ?? kind;
        var node = kind == FaultKind.JoinNode ? spare[random.Next(spare.Count)] : await PickNodeAsync(running, cancellationToken);
        if (kind is FaultKind.KillNode or FaultKind.GracefulRestartNode or FaultKind.JoinNode or FaultKind.LeaveNode or FaultKind.DrainNode or FaultKind.HungNode)
        {
            // A membership change is timed from a balanced cluster, not from the tail of the previous fault.
            await SettleAsync(cancellationToken);
        }

        var at = DateTimeOffset.UtcNow;
        var target = kind is FaultKind.ServerRestart or FaultKind.ServerCrash or FaultKind.ServerHeldDown or FaultKind.IdleSessionTimeout or FaultKind.ShadowRebuild or FaultKind.VersionSwitchBack
            or FaultKind.PoolerRestart or FaultKind.TerminatePoolerBackends || TenantKinds.Contains(kind) ? null : node.Name;
        log.WriteLine($"{at:HH:mm:ss.fff} fault {kind}{(target is null ? "" : " on " + target)}");
        try
        {
            await InjectAsync(kind, node, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or NotSupportedException)
        {
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} fault {kind} could not complete: {e.Message}");
        }

        Injected.Add(new InjectedFault(kind, target, at, DateTimeOffset.UtcNow));
    }

    /// <summary>Ends every lasting fault: stopped nodes resume, drained nodes are undrained, every node runs.</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        foreach (var node in cluster.Nodes.Where(n => n.IsPaused))
        {
            await node.ResumeAsync();
        }

        foreach (var node in draining.ToList())
        {
            await new ProjectionClusterOperations(cluster.Store).UndrainAsync(node, cancellationToken);
            draining.Remove(node);
        }

        foreach (var node in cluster.Nodes.Where(n => !n.IsRunning))
        {
            node.Start();
        }
    }

    private async Task InjectAsync(FaultKind kind, NodeProcess node, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case FaultKind.ServerRestart:
                await server.RestartAsync(fast: true, cancellationToken);
                break;
            case FaultKind.ServerCrash:
                await server.CrashAsync(restart: true, cancellationToken);
                break;
            case FaultKind.ServerHeldDown:
                await server.StopAsync(cancellationToken);
                await Task.Delay(Between(2, 4), cancellationToken);
                await server.StartAsync(cancellationToken);
                break;
            case FaultKind.TerminateLockConnection:
                await server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(node.Name), cancellationToken);
                break;
            case FaultKind.TerminateBatchConnections:
                await server.TerminateBackendsAsync(ProjectionDaemon.BatchApplicationName(node.Name), cancellationToken);
                break;
            case FaultKind.TerminateBoth:
                await server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(node.Name), cancellationToken);
                await server.TerminateBackendsAsync(ProjectionDaemon.BatchApplicationName(node.Name), cancellationToken);
                break;
            case FaultKind.PauseNode:
                // Shorter than the eviction timeout: the node keeps its slots and carries on when it wakes.
                await node.PauseAsync();
                await Task.Delay(options.EvictionTimeout * (0.3 + (0.2 * random.NextDouble())), cancellationToken);
                await node.ResumeAsync();
                break;
            case FaultKind.TerminatePausedLock:
                await node.PauseAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                // A stopped process keeps its sockets: the server learns of its death only through keepalives or
                // client_connection_check_interval; terminating the lock backend stands in for that detection.
                await server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(node.Name), cancellationToken);
                await Task.Delay(Between(2.5, 4.5), cancellationToken);
                await node.ResumeAsync();
                break;
            case FaultKind.KillNode:
            {
                await node.KillAsync();
                var killed = Stopwatch.GetTimestamp();
                await MeasureBalanceAsync(kind, node.Name, "killed: balanced over the others", Holders(), killed, options.CrashBound, cancellationToken);
                await Task.Delay(Between(0.5, 1.5), cancellationToken);
                node.Start();
                await MeasureBalanceAsync(kind, node.Name, "restarted: balanced over all", Holders(), await node.UpAsync(), options.RebalanceBound, cancellationToken);
                break;
            }

            case FaultKind.GracefulRestartNode:
                await node.StopGracefullyAsync(TimeSpan.FromSeconds(20));
                await Task.Delay(Between(0.5, 1.5), cancellationToken);
                node.Start();
                await MeasureBalanceAsync(kind, node.Name, "restarted: balanced over all", Holders(), await node.UpAsync(), options.RebalanceBound, cancellationToken);
                break;
            case FaultKind.IdleSessionTimeout:
                await SetIdleSessionTimeoutAsync("'300ms'", cancellationToken);
                await Task.Delay(Between(1.5, 3), cancellationToken);
                await SetIdleSessionTimeoutAsync(null, cancellationToken);
                break;
            case FaultKind.JoinNode:
                node.Start();
                await MeasureBalanceAsync(kind, node.Name, "joined: balanced over all", Holders(), await node.UpAsync(), options.RebalanceBound, cancellationToken);
                break;
            case FaultKind.LeaveNode:
            {
                var left = Stopwatch.GetTimestamp();
                await node.StopGracefullyAsync(TimeSpan.FromSeconds(20));
                await MeasureBalanceAsync(kind, node.Name, "left: balanced over the others", Holders(node.Name), left, options.RebalanceBound, cancellationToken);
                break;
            }

            case FaultKind.DrainNode:
            {
                var operations = new ProjectionClusterOperations(cluster.Store);
                var drained = Stopwatch.GetTimestamp();
                draining.Add(node.Name);
                await operations.DrainAsync(node.Name, cancellationToken);
                await MeasureBalanceAsync(kind, node.Name, "drained: balanced over the others", Holders(), drained, options.DrainBound, cancellationToken);
                await Task.Delay(Between(1, 3), cancellationToken);
                var undrained = Stopwatch.GetTimestamp();
                await operations.UndrainAsync(node.Name, cancellationToken);
                draining.Remove(node.Name);
                await MeasureBalanceAsync(kind, node.Name, "undrained: balanced over all", Holders(), undrained, options.RebalanceBound, cancellationToken);
                break;
            }

            case FaultKind.ShadowRebuild:
            case FaultKind.VersionSwitchBack:
                await SwitchVersionAsync(kind, cancellationToken);
                break;
            case FaultKind.PoolerRestart:
                await pooler!.RestartAsync(cancellationToken);
                break;
            case FaultKind.TenantAdd:
            case FaultKind.TenantRemove:
            case FaultKind.TenantRemoveReAdd:
            case FaultKind.TenantServerDown:
                await tenants!.InjectAsync(kind, cancellationToken);
                break;
            case FaultKind.TerminatePoolerBackends:
            {
                await using var connection = await cluster.DataSource.OpenConnectionAsync(cancellationToken);
                await using var terminate = new NpgsqlCommand(TerminatePoolerBackendsSql, connection);
                var terminated = await terminate.ExecuteScalarAsync(cancellationToken);
                log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   terminated {terminated} pooler server connections");
                break;
            }

            case FaultKind.HungNode:
            {
                await node.PauseAsync();
                var stopped = Stopwatch.GetTimestamp();
                await MeasureBalanceAsync(kind, node.Name, "hung: its slots on the others", Holders(), stopped, options.HungBound, cancellationToken);
                var wake = options.EvictionTimeout + Between(1, 3) - Stopwatch.GetElapsedTime(stopped);
                if (wake > TimeSpan.Zero)
                {
                    await Task.Delay(wake, cancellationToken);
                }

                await node.ResumeAsync();
                var resumed = Stopwatch.GetTimestamp();
                await MeasureBalanceAsync(kind, node.Name, "woke: fenced, rejoined, balanced over all", Holders(), resumed, options.RebalanceBound, cancellationToken);
                break;
            }
        }
    }

    /// <summary>
    /// A shadow rebuild (of a projection not shadow-rebuilt yet in this run) or a switch back to a kept generation, then
    /// waits for the new generation to go live (I12: within <see cref="ChaosOptions.VersionSwitchBound"/>).
    /// </summary>
    private async Task SwitchVersionAsync(FaultKind kind, CancellationToken cancellationToken)
    {
        // Aggregates and event projections that declare their tables (chaos_ledger) have versions.
        var aggregates = cluster.Projections.Where(p => ProjectionSets.All[p].Kind == ProjectionKind.Aggregate || ProjectionSets.All[p].Tables.Count > 0).ToList();
        var operations = new ProjectionVersionOperations(cluster.Store, ProjectionSets.Create(aggregates));
        var generations = await operations.ReadAsync(cancellationToken);
        if (generations.FirstOrDefault(g => g.State == ProjectionVersionStates.Building) is { } building)
        {
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   {building.Projection} {building.Generation} is still building: nothing to do");
            return;
        }

        var kept = generations.Where(g => g.State == ProjectionVersionStates.Kept && aggregates.Contains(g.Projection)).ToList();
        var fresh = aggregates.Where(p => !shadowed.Contains(p)).ToList();
        string projection;
        string generation;
        if ((kind == FaultKind.VersionSwitchBack && kept.Count > 0) || (fresh.Count == 0 && kept.Count > 0))
        {
            var back = kept[random.Next(kept.Count)];
            (projection, generation) = (back.Projection, back.Generation);
            await operations.SwitchBackAsync(projection, generation, cancellationToken);
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   switching {projection} back to {generation}");
        }
        else if (fresh.Count > 0)
        {
            projection = fresh[random.Next(fresh.Count)];
            shadowed.Add(projection);
            generation = await operations.StartShadowRebuildAsync(projection, cancellationToken);
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   shadow rebuild of {projection} into {generation}");
        }
        else
        {
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   no versioned projection to shadow-rebuild or switch back");
            return;
        }

        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < options.VersionSwitchBound)
        {
            try
            {
                if ((await operations.ReadAsync(cancellationToken)).Any(g => g.Projection == projection && g.Generation == generation && g.State == ProjectionVersionStates.Live))
                {
                    log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   {projection} {generation} live after {ClusterHarness.Seconds(Stopwatch.GetElapsedTime(started))}");
                    return;
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException)
            {
                // The server is restarting.
            }

            await Task.Delay(200, cancellationToken);
        }

        Violations.Add($"I12 version switch: {projection} {generation} not live within {ClusterHarness.Seconds(options.VersionSwitchBound)} ({kind})");
    }

    private async Task SettleAsync(CancellationToken cancellationToken)
    {
        var holders = Holders();
        try
        {
            await cluster.WaitForAsync("settled before a membership change", s => s.IsBalanced(holders), Stopwatch.GetTimestamp(), TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (ClusterExpectationException unsettled)
        {
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} not settled, injecting anyway: {unsettled.Message.Split(Environment.NewLine)[0]}");
        }
    }

    private async Task MeasureBalanceAsync(FaultKind kind, string node, string phase, IReadOnlyList<string> holders, long since, TimeSpan bound, CancellationToken cancellationToken)
    {
        var elapsed = await cluster.MeasureAsync(s => s.IsBalanced(holders), since, 2 * bound, cancellationToken);
        var time = new RebalanceTime(kind, node, phase, elapsed, bound);
        Rebalances.Add(time);
        log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   {phase}: {(elapsed is { } e ? ClusterHarness.Seconds(e) : "not balanced")}");
        if (!time.WithinBound)
        {
            var what = elapsed is { } late ? $"after {ClusterHarness.Seconds(late)}" : $"not within {ClusterHarness.Seconds(2 * bound)}";
            Violations.Add($"I10 balance: {kind} {node} {phase} (over {string.Join(",", holders)}): {what}, bound {ClusterHarness.Seconds(bound)}; last {cluster.Sampler.Latest?.Describe()}");
            log.WriteLine(cluster.Diagnostics());
        }
    }

    /// <summary>Mostly a current owner of some slot (a fault on an idle node tests little), sometimes any running node.</summary>
    private async Task<NodeProcess> PickNodeAsync(List<NodeProcess> running, CancellationToken cancellationToken)
    {
        var any = running[random.Next(running.Count)];
        if (random.Next(4) == 0)
        {
            return any;
        }

        try
        {
            var snapshot = await cluster.Sampler.SampleAsync(cancellationToken);
            var candidates = running.Where(n => snapshot.CountOf(n.Name) > 0).ToList();
            return candidates.Count > 0 ? candidates[random.Next(candidates.Count)] : any;
        }
        catch (Exception e) when (e is NpgsqlException or IOException)
        {
            return any;
        }
    }

    private async Task SetIdleSessionTimeoutAsync(string? value, CancellationToken cancellationToken)
    {
        await using var admin = await server.OpenAdminConnectionAsync(cancellationToken);
        await using (var set = new NpgsqlCommand(value is null ? "ALTER SYSTEM RESET idle_session_timeout" : $"ALTER SYSTEM SET idle_session_timeout = {value}", admin))
        {
            await set.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", admin);
        await reload.ExecuteScalarAsync(cancellationToken);
    }

    private TimeSpan Between(double minSeconds, double maxSeconds) =>
        TimeSpan.FromSeconds(minSeconds + (random.NextDouble() * (maxSeconds - minSeconds)));
}
