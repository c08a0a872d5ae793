using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The health check reports a projection that no node in the cluster owns, once that has lasted past the threshold.</summary>
public sealed class UnownedHealthTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_projection_nobody_owns_for_longer_than_the_threshold_makes_every_node_unhealthy_until_one_takes_it()
    {
        await using var database = await postgres.CreateDatabaseAsync("unowned");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using var owner = HostedNode.Create(database.ConnectionString, "own-" + suffix);
        await owner.StartAsync();
        await bed.AppendAsync(10, seed: 9);
        await ReadModels.WaitForCatchUpAsync(owner.Status);

        // A node of capacity 0 takes no slot: it will not pick up what the owner lets go.
        await using var bystander = HostedNode.Create(database.ConnectionString, "by-" + suffix, options =>
        {
            options.Daemon.Capacity = 0;
            options.Health.UnownedThreshold = TimeSpan.FromSeconds(1);
        });
        await bystander.StartAsync();
        await bystander.WaitForHealthAsync(status => status == HealthStatus.Healthy, "healthy while the other node owns everything");

        await owner.Host.StopAsync(TestContext.Current.CancellationToken);
        // The three projections cross the threshold a sample apart: wait for the report that names them all.
        const string expected = "No node in the cluster has owned account_balance, fragile, ledger for more than 00:00:01";
        var unhealthy = await bystander.WaitForHealthAsync(
            (status, description) => status == HealthStatus.Unhealthy && description.Contains(expected, StringComparison.Ordinal),
            "unhealthy with nobody owning any of the projections");
        Assert.Contains(expected, unhealthy, StringComparison.Ordinal);

        // A node that takes them over clears it.
        await using var rescuer = HostedNode.Create(database.ConnectionString, "res-" + suffix);
        await rescuer.StartAsync();
        await bystander.WaitForHealthAsync(status => status == HealthStatus.Healthy, "healthy again once a node owns them");
    }
}
