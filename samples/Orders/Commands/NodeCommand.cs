using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orders.Events;
using Orders.Infrastructure;

namespace Orders.Commands;

/// <summary>
/// One daemon node running every sample projection until SIGINT or SIGTERM, hosted the .NET way (lock losses are
/// logged, alerted and recorded for <c>status</c>). With <c>--dashboard-port N</c> it also serves the operations
/// dashboard, read-only, at <c>http://127.0.0.1:N/projectiongen</c>. With <c>--lock-connection</c> the batches go through
/// <c>--connection</c> (a pooler in transaction mode: add <c>--no-prepare</c>, or the node refuses to start) and the locks
/// directly; with <c>--schema-connection</c> the schema is applied by that role (docs/operations.md, "Behind a connection
/// pooler", "Least privilege").
/// </summary>
internal static class NodeCommand
{
    public static async Task<int> RunAsync(string connection, string node, int? dashboardPort, CancellationToken cancellationToken, string? lockConnection = null, string? schemaConnection = null, bool noPrepare = false)
    {
        // The schema step connects directly when it can: the lock connection reaches the server without the pooler.
        await using (var database = await OrdersDatabase.OpenAsync(lockConnection ?? connection, applySchema: true, cancellationToken, schemaConnection))
        {
            // Schema and ledger table exist from here on; the node itself uses connections of its own.
        }

        IHost host;
        if (dashboardPort is { } port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            Configure(builder.Services, builder.Logging, connection, node, lockConnection, noPrepare);
            builder.Services.AddProjectionGenDashboard();
            var app = builder.Build();
            app.MapProjectionGenDashboard("/projectiongen");
            host = app;
        }
        else
        {
            var builder = Host.CreateApplicationBuilder();
            Configure(builder.Services, builder.Logging, connection, node, lockConnection, noPrepare);
            host = builder.Build();
        }

        // The host stops gracefully on SIGINT or SIGTERM: agents drain, locks are released.
        using (host)
        {
            await host.RunAsync(cancellationToken);
        }

        return 0;
    }

    private static void Configure(IServiceCollection services, ILoggingBuilder logging, string connection, string node, string? lockConnection, bool noPrepare)
    {
        logging.ClearProviders()
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss.fff "; });
        services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
        services
            .AddProjectionGen(options =>
            {
                options.Daemon.ConnectionString = connection;
                options.Daemon.NodeName = node;
                options.Daemon.LockConnectionString = lockConnection;
                options.EventStore.PrepareStatements = !noPrepare;
                options.ApplySchemaOnStartup = false;
            })
            .AddProjections(OrdersDatabase.Projections())
            .AddEventType<OrderPlaced>()
            .AddEventType<ItemAdded>()
            .AddEventType<OrderShipped>()
            .AddEventType<OrderCancelled>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All);
    }
}
