using Npgsql;
using Orders.Demo;
using Orders.Infrastructure;
using ProjectionGen.Daemon;
using ProjectionGen.Operations;
using ProjectionGen.Testing;

namespace Orders.Commands;

/// <summary>
/// The main job: three daemon nodes in this process, orders appended continuously, PostgreSQL restarted and later
/// crashed under them, one lock connection terminated; then catch-up and the exactly-once verification.
/// </summary>
internal static class DemoCommand
{
    private const int Nodes = 3;
    private const int Writers = 3;

    public static async Task<int> RunAsync(string? connection, CancellationToken cancellationToken)
    {
        Console.WriteLine("ProjectionGen demo: 3 nodes, one owner per projection, PostgreSQL restarted and crashed under them.");
        PostgresServer? server = null;
        TestDatabase? scratch = null;
        try
        {
            string connectionString;
            if (connection is null)
            {
                Console.WriteLine("starting an ephemeral PostgreSQL server (ProjectionGen.Testing)...");
                server = await PostgresServer.StartAsync(new PostgresServerOptions { AllowExternal = false }, cancellationToken);
                scratch = await server.CreateDatabaseAsync("orders_demo", cancellationToken);
                connectionString = scratch.ConnectionString;
            }
            else
            {
                connectionString = connection;
                Console.WriteLine("using the server given by --connection: the restart and the crash are skipped (only a server the harness owns can be restarted).");
            }

            await using var database = await OrdersDatabase.OpenAsync(connectionString, applySchema: true, cancellationToken);
            var timeline = new DemoTimeline();
            var nodes = new List<(ProjectionDaemon Daemon, NpgsqlDataSource DataSource)>();
            for (var i = 1; i <= Nodes; i++)
            {
                var dataSource = NpgsqlDataSource.Create(connectionString);
                var daemon = new ProjectionDaemon(
                    OrdersDatabase.CreateStore(dataSource),
                    OrdersDatabase.Projections(),
                    new ProjectionDaemonOptions { ConnectionString = connectionString, NodeName = $"node-{i}" });
                daemon.Lifecycle += (_, e) => timeline.Record(e);
                await daemon.StartAsync(cancellationToken);
                nodes.Add((daemon, dataSource));
            }

            using var stopWriters = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(i => new OrderWriter(database.Store, seed: 100 + i)).ToList();
            var writing = Task.WhenAll(writers.Select(writer => Task.Run(async () =>
            {
                while (!stopWriters.IsCancellationRequested)
                {
                    await writer.AppendNextAsync(CancellationToken.None);
                    await Task.Delay(3, CancellationToken.None);
                }
            }, CancellationToken.None)));

            using (StartProgress(timeline, database, writers, cancellationToken))
            {
                await InjectFaultsAsync(timeline, server, database, nodes.Select(n => n.Daemon).ToList(), cancellationToken);
                await stopWriters.CancelAsync();
                await writing;
                timeline.Say($"writers stopped: {writers.Sum(w => w.Appended)} events appended ({writers.Sum(w => w.Failures)} appends failed during the faults)");
                await WaitForCatchUpAsync(timeline, database, TimeSpan.FromSeconds(60), cancellationToken);
            }

            timeline.Say("stopping the nodes (graceful: drain, release locks)");
            foreach (var (daemon, dataSource) in nodes)
            {
                await daemon.DisposeAsync();
                await dataSource.DisposeAsync();
            }

            var result = await ExactlyOnceVerifier.VerifyAsync(database, cancellationToken);
            DemoReport.Print(timeline, result);
            return result.Verified ? 0 : 1;
        }
        finally
        {
            if (scratch is not null)
            {
                await scratch.DisposeAsync();
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task InjectFaultsAsync(DemoTimeline timeline, PostgresServer? server, OrdersDatabase database, IReadOnlyList<ProjectionDaemon> nodes, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(6), cancellationToken);
        if (server is not null)
        {
            timeline.Fault("fault 1: PostgreSQL fast restart (every session and advisory lock ends)");
            await server.RestartAsync(fast: true, cancellationToken);
            timeline.Say("PostgreSQL is back");
            await Task.Delay(TimeSpan.FromSeconds(8), cancellationToken);

            timeline.Fault("fault 2: PostgreSQL crash (immediate shutdown; WAL recovery on start)");
            await server.CrashAsync(restart: true, cancellationToken);
            timeline.Say("PostgreSQL recovered and is back");
            await Task.Delay(TimeSpan.FromSeconds(8), cancellationToken);
        }

        var owner = nodes.FirstOrDefault(node => node.GetStates().Any(s => s.Projection == "order_summary" && s.Status == AgentStatus.Running));
        if (owner is not null)
        {
            timeline.Fault($"fault 3: pg_terminate_backend of {owner.NodeName}'s lock connection");
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = owner.LockApplicationName });
            await command.ExecuteScalarAsync(cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(6), cancellationToken);
    }

    private static Timer StartProgress(DemoTimeline timeline, OrdersDatabase database, IReadOnlyList<OrderWriter> writers, CancellationToken cancellationToken) =>
        new(async _ =>
        {
            try
            {
                var status = await new ProjectionStatusReader(database.Store).ReadAsync(cancellationToken);
                var owners = string.Join(" | ", status.Select(s => $"{s.Projection}: {s.Owner ?? "-"} epoch {s.Epoch} at {s.Position}/{s.HighWaterMark}"));
                timeline.Say($"appended {writers.Sum(w => w.Appended)} | {owners}");
            }
            catch (Exception e) when (e is NpgsqlException or IOException or OperationCanceledException or TimeoutException)
            {
                timeline.Say("(status unavailable while the server restarts)");
            }
        }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));

    private static async Task WaitForCatchUpAsync(DemoTimeline timeline, OrdersDatabase database, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var status = await new ProjectionStatusReader(database.Store).ReadAsync(cancellationToken);
                if (status.Count == ExactlyOnceVerifier.Projections.Length && status.All(s => s.Position >= s.HighWaterMark))
                {
                    timeline.Say("every projection caught up with the safe high-water mark");
                    return;
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException)
            {
                // The server may still be recovering.
            }

            await Task.Delay(100, cancellationToken);
        }

        timeline.Say($"projections did not catch up within {timeout.TotalSeconds:F0} s; verifying anyway");
    }
}
