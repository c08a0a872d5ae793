using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orders.Infrastructure;
using ProjectionGen.Daemon;

namespace Orders.Commands;

/// <summary>One daemon node running every sample projection until SIGINT or SIGTERM, logging lock acquisitions and losses.</summary>
internal static class NodeCommand
{
    public static async Task<int> RunAsync(string connection, string node, Action<ProjectionDaemonOptions>? configure, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss.fff "; }));

        await using (var database = await OrdersDatabase.OpenAsync(connection, applySchema: true, stop.Token))
        {
            // Schema and ledger table exist from here on; the node itself uses connections of its own.
        }

        await using var dataSource = NpgsqlDataSource.Create(connection);
        var options = new ProjectionDaemonOptions { ConnectionString = connection, NodeName = node };
        configure?.Invoke(options);
        await using var daemon = new ProjectionDaemon(OrdersDatabase.CreateStore(dataSource), OrdersDatabase.Projections(), options, loggerFactory);
        await daemon.StartAsync(stop.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM: stop gracefully below.
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await daemon.StopAsync(deadline.Token);
        return 0;
    }
}
