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
/// dashboard, read-only, at <c>http://127.0.0.1:N/projectiongen</c>.
/// </summary>
internal static class NodeCommand
{
    public static async Task<int> RunAsync(string connection, string node, int? dashboardPort, CancellationToken cancellationToken)
    {
        await using (var database = await OrdersDatabase.OpenAsync(connection, applySchema: true, cancellationToken))
        {
            // Schema and ledger table exist from here on; the node itself uses connections of its own.
        }

        IHost host;
        if (dashboardPort is { } port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            Configure(builder.Services, builder.Logging, connection, node);
            builder.Services.AddProjectionGenDashboard();
            var app = builder.Build();
            app.MapProjectionGenDashboard("/projectiongen");
            host = app;
        }
        else
        {
            var builder = Host.CreateApplicationBuilder();
            Configure(builder.Services, builder.Logging, connection, node);
            host = builder.Build();
        }

        // The host stops gracefully on SIGINT or SIGTERM: agents drain, locks are released.
        using (host)
        {
            await host.RunAsync(cancellationToken);
        }

        return 0;
    }

    private static void Configure(IServiceCollection services, ILoggingBuilder logging, string connection, string node)
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
