using Microsoft.Extensions.Hosting;

namespace ProjectionGen.Tenancy;

/// <summary>Starts and stops the host's <see cref="TenantDatabaseNode"/> (registered by <see cref="TenantDatabasesBuilderExtensions.AddTenantDatabases"/>).</summary>
internal sealed class TenantDatabaseHostedService(TenantDatabaseNode node) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => node.StopAsync(cancellationToken);
}
