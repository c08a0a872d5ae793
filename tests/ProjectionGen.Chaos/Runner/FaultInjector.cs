using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Testing;

namespace ProjectionGen.Chaos.Runner;

/// <summary>Injects one fault at a time, drawn from the seeded random source, and records when each began and ended.</summary>
internal sealed class FaultInjector(PostgresServer server, IReadOnlyList<NodeProcess> nodes, Random random, TextWriter log)
{
    private static readonly FaultKind[] AllKinds = Enum.GetValues<FaultKind>();

    public List<InjectedFault> Injected { get; } = [];

    public async Task InjectAsync(IReadOnlyList<FaultKind>? kinds, CancellationToken cancellationToken)
    {
        var pool = kinds ?? AllKinds;
        var kind = pool[random.Next(pool.Count)];
        var node = await PickNodeAsync(cancellationToken);
        var at = DateTimeOffset.UtcNow;
        var target = kind is FaultKind.ServerRestart or FaultKind.ServerCrash or FaultKind.ServerHeldDown or FaultKind.IdleSessionTimeout ? null : node.Name;
        log.WriteLine($"{at:HH:mm:ss.fff} fault {kind}{(target is null ? "" : " on " + target)}");
        try
        {
            await InjectAsync(kind, node, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} fault {kind} could not complete: {e.Message}");
        }

        Injected.Add(new InjectedFault(kind, target, at, DateTimeOffset.UtcNow));
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
                await node.PauseAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                // A stopped process keeps its sockets: the server learns of its death only through keepalives or
                // client_connection_check_interval; terminating the lock backend stands in for that detection.
                await server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(node.Name), cancellationToken);
                await Task.Delay(Between(2.5, 4.5), cancellationToken);
                await node.ResumeAsync();
                break;
            case FaultKind.KillNode:
                await node.KillAsync();
                await Task.Delay(Between(0.5, 1.5), cancellationToken);
                node.Start();
                break;
            case FaultKind.GracefulRestartNode:
                await node.StopGracefullyAsync(TimeSpan.FromSeconds(20));
                await Task.Delay(Between(0.5, 1.5), cancellationToken);
                node.Start();
                break;
            case FaultKind.IdleSessionTimeout:
                await SetIdleSessionTimeoutAsync("'300ms'", cancellationToken);
                await Task.Delay(Between(1.5, 3), cancellationToken);
                await SetIdleSessionTimeoutAsync(null, cancellationToken);
                break;
        }
    }

    /// <summary>Mostly the current owner of a projection (a fault on an idle node tests little), sometimes any node.</summary>
    private async Task<NodeProcess> PickNodeAsync(CancellationToken cancellationToken)
    {
        var any = nodes[random.Next(nodes.Count)];
        if (random.Next(4) == 0)
        {
            return any;
        }

        try
        {
            await using var admin = await server.OpenAdminConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT DISTINCT substr(application_name, length('projectiongen-lock:') + 1) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                + "WHERE l.locktype = 'advisory' AND l.mode = 'ExclusiveLock' AND l.granted AND a.application_name LIKE 'projectiongen-lock:%'",
                admin);
            var owners = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                owners.Add(reader.GetString(0));
            }

            var candidates = nodes.Where(n => owners.Contains(n.Name)).ToList();
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
