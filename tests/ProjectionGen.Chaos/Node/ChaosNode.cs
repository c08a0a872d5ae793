using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Chaos.Runner;
using ProjectionGen.Daemon;
using ProjectionGen.Guard;
using ProjectionGen.Tenancy;

namespace ProjectionGen.Chaos.Node;

/// <summary>
/// One daemon node as its own OS process: the projections of its <see cref="NodeSettings"/>, the audit trail in each
/// batch, and its lifecycle history written as JSON lines (flushed per line, so a SIGKILL loses at most the line being
/// written). When its standard input is a pipe (the runner's), the node stops when the pipe closes, so a runner that
/// dies leaves no node behind.
/// </summary>
internal static class ChaosNode
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Runs the node until SIGTERM, SIGINT or the end of its standard input. <paramref name="lockConnection"/>, when
    /// given, is the lock connection's (the batches then may go through a pooler: docs/operations.md).
    /// </summary>
    public static async Task<int> RunAsync(string connection, string historyFile, NodeSettings settings, string? lockConnection = null)
    {
        // The runner measures its balance and takeover bounds from this moment, not from the process start, which a loaded
        // machine stretches by seconds before any of the node's code runs (NodeProcess.UpAsync). The monotonic clock is
        // the machine's, so the runner reads the timestamp as its own.
        await Console.Out.WriteLineAsync(NodeProcess.UpLine(settings.Name, System.Diagnostics.Stopwatch.GetTimestamp()));
        await Console.Out.FlushAsync();
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        if (Console.IsInputRedirected)
        {
            _ = Task.Run(async () =>
            {
                while (await Console.In.ReadLineAsync(CancellationToken.None) is not null)
                {
                }

                await stop.CancelAsync();
            }, CancellationToken.None);
        }

        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(console => { console.SingleLine = true; console.UseUtcTimestamp = true; console.TimestampFormat = "HH:mm:ss.fff "; }));
        await using var history = new StreamWriter(new FileStream(historyFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var gate = new Lock();

        await using var dataSource = NpgsqlDataSource.Create(connection);
        var options = new ProjectionDaemonOptions
        {
            ConnectionString = connection,
            LockConnectionString = lockConnection,
            NodeName = settings.Name,
            Capacity = settings.Capacity,
        };
        var hooks = new DaemonTestHooks
        {
            AuditSql = ChaosSchema.AuditInsertSql,
            Fencing = settings.Unfenced ? CommitFencing.Unfenced : CommitFencing.Full,
        };

        // A short pause between the guard and the commit, as a slow handler or a GC pause would make: it widens the
        // window in which a SIGSTOP leaves an owner holding a checked but unsent commit.
        if (settings.CommitDelay > TimeSpan.Zero)
        {
            var delay = settings.CommitDelay;
            hooks = hooks with { BeforeCommit = _ => Task.Delay(delay) };
        }

        foreach (var tag in settings.Tags)
        {
            options.Tags.Add(tag);
        }

        foreach (var (projection, targets) in settings.Pins)
        {
            options.Pins[projection] = targets;
        }

        if (settings.HeartbeatTimeout is { } heartbeat)
        {
            options.HeartbeatTimeout = heartbeat;
        }

        if (settings.EvictionTimeout is { } eviction)
        {
            options.EvictionTimeout = eviction;
        }

        await using var daemon = new ProjectionDaemon(ChaosSchema.CreateStore(dataSource, settings.PrepareStatements), ProjectionSets.Create(settings.Projections), options, hooks, loggerFactory);
        daemon.Lifecycle += (_, e) =>
        {
            var line = JsonSerializer.Serialize(new LifecycleRecord(e.Timestamp, e.Kind, e.Projection, e.Node, e.Epoch, e.Cause, e.FromPosition, e.ToPosition), Json);
            lock (gate)
            {
                history.WriteLine(line);
            }
        };

        // Tenant mode: a tenant node beside the daemon, placed over the nodes of this database's registry, each tenant
        // daemon with the same audit trail and fencing as this node's own (docs/chaos.md, "Tenant mode").
        await using var tenants = settings.TenantProjections.Count == 0 ? null : CreateTenantNode(dataSource, settings, options, hooks, loggerFactory);

        // The server may be down when the runner (re)starts a node: keep trying until it is up or the node is stopped.
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await daemon.StartAsync(stop.Token);
                if (tenants is not null)
                {
                    await tenants.StartAsync(stop.Token);
                }

                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                await Task.Delay(250, CancellationToken.None);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM: drain and release below.
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        if (tenants is not null)
        {
            await tenants.StopAsync(deadline.Token);
        }

        await daemon.StopAsync(deadline.Token);
        return 0;
    }

    /// <summary>The tenant node of tenant mode: the master table of this node's database, balanced over its registry.</summary>
    private static TenantDatabaseNode CreateTenantNode(NpgsqlDataSource master, NodeSettings settings, ProjectionDaemonOptions daemon, DaemonTestHooks hooks, ILoggerFactory loggerFactory)
    {
        var options = new TenantDatabaseNodeOptions
        {
            TenantPollInterval = TimeSpan.FromMilliseconds(500),
            StartRetryDelay = TimeSpan.FromMilliseconds(250),
            MaxStartRetryDelay = settings.TenantMaxStartRetryDelay ?? TimeSpan.FromSeconds(2),
            Assignment = new BalancedTenantDatabases(master, settings.Name, evictionTimeout: daemon.EvictionTimeout, loggerFactory: loggerFactory),
            TestHooks = hooks,
        };
        options.Daemon.NodeName = settings.Name;
        options.Daemon.HeartbeatTimeout = daemon.HeartbeatTimeout;
        options.Daemon.EvictionTimeout = daemon.EvictionTimeout;
        return new TenantDatabaseNode(new MasterTableTenantSource(master, loggerFactory: loggerFactory), ProjectionSets.Create(settings.TenantProjections), ChaosSchema.Registry(), options, loggerFactory);
    }
}
