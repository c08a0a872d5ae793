using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orders.Events;
using Orders.Infrastructure;
using ProjectionGen.EventStore;
using ProjectionGen.Tenancy;

namespace Orders.Commands;

/// <summary>
/// One daemon node running every sample projection until SIGINT or SIGTERM, hosted the .NET way (lock losses are
/// logged, alerted and recorded for <c>status</c>). With <c>--dashboard-port N</c> it also serves the operations
/// dashboard, read-only, at <c>http://127.0.0.1:N/projectiongen</c>. With <c>--lock-connection</c> the batches go through
/// <c>--connection</c> (a pooler in transaction mode: add <c>--no-prepare</c>, or the node refuses to start) and the locks
/// directly; with <c>--schema-connection</c> the schema is applied by that role (docs/operations.md, "Behind a connection
/// pooler", "Least privilege").
/// </summary>
/// <remarks>
/// Tenants (docs/tenancy.md, "The sample's tenants"): with <see cref="NodeTenancy.Conjoined"/> the database's store is
/// conjoined (many tenants in it); with <see cref="NodeTenancy.TenantDatabases"/> the node also runs the tenant databases
/// listed in the master table of <c>--connection</c>, balanced over the live nodes of that database.
/// </remarks>
internal static class NodeCommand
{
    public static async Task<int> RunAsync(string connection, string node, int? dashboardPort, CancellationToken cancellationToken, string? lockConnection = null, string? schemaConnection = null, bool noPrepare = false, NodeTenancy? tenancy = null)
    {
        tenancy ??= new NodeTenancy(false, false, null, null);

        // The node's first line, before its schema step and host start, stamped like its log lines: when its own code
        // began to run (the cluster tests time a node's start from here, docs/testing.md).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.Now:HH:mm:ss.fff} node {node}: starting (process {Environment.ProcessId})"));

        // The schema step connects directly when it can: the lock connection reaches the server without the pooler.
        await using (var database = await OrdersDatabase.OpenAsync(lockConnection ?? connection, applySchema: true, cancellationToken, schemaConnection, tenancy: tenancy.Style))
        {
            // Schema and ledger table exist from here on; the node itself uses connections of its own.
        }

        IHost host;
        if (dashboardPort is { } port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            Configure(builder.Services, builder.Logging, connection, node, lockConnection, noPrepare, tenancy);
            builder.Services.AddProjectionGenDashboard();
            var app = builder.Build();
            app.MapProjectionGenDashboard("/projectiongen");
            host = app;
        }
        else
        {
            var builder = Host.CreateApplicationBuilder();
            Configure(builder.Services, builder.Logging, connection, node, lockConnection, noPrepare, tenancy);
            host = builder.Build();
        }

        // The host stops gracefully on SIGINT or SIGTERM: agents drain, locks are released.
        using (host)
        {
            await host.RunAsync(cancellationToken);
        }

        return 0;
    }

    private static void Configure(IServiceCollection services, ILoggingBuilder logging, string connection, string node, string? lockConnection, bool noPrepare, NodeTenancy tenancy)
    {
        logging.ClearProviders()
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss.fff "; });
        services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
        var builder = services
            .AddProjectionGen(options =>
            {
                options.Daemon.ConnectionString = connection;
                options.Daemon.NodeName = node;
                options.Daemon.LockConnectionString = lockConnection;
                options.EventStore.PrepareStatements = !noPrepare;
                options.EventStore.Tenancy = tenancy.Style;
                options.ApplySchemaOnStartup = false;
            })
            .AddProjections(OrdersDatabase.Projections())
            .AddEventType<OrderPlaced>()
            .AddEventType<ItemAdded>()
            .AddEventType<OrderShipped>()
            .AddEventType<OrderCancelled>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All);
        if (tenancy.TenantDatabases)
        {
            // The master table of this node's own database lists the tenant databases; its node registry (where this
            // host's daemon registers) is the membership they are balanced over (docs/cluster.md, "Tenant databases over nodes").
            services.AddSingleton(_ => new MasterDataSource(NpgsqlDataSource.Create(connection)));
            builder.AddBalancedTenantDatabases(
                tenancy.MaxTenantDatabases,
                options =>
                {
                    // Each tenant database is a store without tenancy of its own, prepared by `tenants add` (schema,
                    // document tables and the ledger table), so the node does not migrate it.
                    options.EventStore = new EventStoreOptions { PrepareStatements = !noPrepare };
                    options.ApplySchemaOnFirstUse = false;
                    if (tenancy.SettleDelay is { } settle)
                    {
                        options.StartupSettleDelay = settle;
                    }
                },
                provider => new MasterTableTenantSource(provider.GetRequiredService<MasterDataSource>().DataSource, loggerFactory: provider.GetService<ILoggerFactory>()));
        }
    }

    /// <summary>The master database's connections for the tenant source, disposed with the host.</summary>
    private sealed class MasterDataSource(NpgsqlDataSource dataSource) : IAsyncDisposable
    {
        public NpgsqlDataSource DataSource { get; } = dataSource;

        public ValueTask DisposeAsync() => DataSource.DisposeAsync();
    }
}
