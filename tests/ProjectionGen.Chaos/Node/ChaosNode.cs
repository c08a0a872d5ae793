using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Guard;

namespace ProjectionGen.Chaos.Node;

/// <summary>
/// One daemon node as its own OS process: every chaos projection, the audit trail in each batch, and its lifecycle
/// history written as JSON lines (flushed per line, so a SIGKILL loses at most the line being written).
/// </summary>
internal static class ChaosNode
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan CommitDelay = TimeSpan.FromMilliseconds(25);

    public static async Task<int> RunAsync(string connection, string node, string historyFile, bool unfenced)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(console => { console.SingleLine = true; console.UseUtcTimestamp = true; console.TimestampFormat = "HH:mm:ss.fff "; }));
        await using var history = new StreamWriter(new FileStream(historyFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var gate = new Lock();

        await using var dataSource = NpgsqlDataSource.Create(connection);
        var options = new ProjectionDaemonOptions
        {
            ConnectionString = connection,
            NodeName = node,
            AuditSql = ChaosSchema.AuditInsertSql,
            Fencing = unfenced ? CommitFencing.Unfenced : CommitFencing.Full,

            // A short pause between the guard and the commit, as a slow handler or a GC pause would make: it widens
            // the window in which a SIGSTOP leaves an owner holding a checked but unsent commit.
            BeforeCommit = _ => Task.Delay(CommitDelay),
        };
        await using var daemon = new ProjectionDaemon(ChaosSchema.CreateStore(dataSource), ProjectionGen.Generated.GeneratedProjections.CreateAll(), options, loggerFactory);
        daemon.Lifecycle += (_, e) =>
        {
            var line = JsonSerializer.Serialize(new LifecycleRecord(e.Timestamp, e.Kind, e.Projection, e.Node, e.Epoch, e.Cause, e.FromPosition, e.ToPosition), Json);
            lock (gate)
            {
                history.WriteLine(line);
            }
        };

        // The server may be down when the runner (re)starts a node: keep trying until it is up or the node is stopped.
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await daemon.StartAsync(stop.Token);
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                await Task.Delay(250, CancellationToken.None);
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
        await daemon.StopAsync(deadline.Token);
        return 0;
    }
}
