using Npgsql;
using ProjectionGen.Chaos.Node;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A cluster of 100 projections x 4 shards on 3 nodes has about 133 slots per node, more than Npgsql's default pool
/// of 100 connections. A node must project every slot it owns whatever its pool size (or refuse to start with a clear
/// message), never hold a slot's lock while its agent starves for a connection. Reproduced small: one node, twelve
/// slots, a pool of six.
/// </summary>
public sealed class ConnectionBudgetTests(PostgresFixture fixture)
{
    [Fact]
    public async Task A_node_owning_more_slots_than_its_pool_has_connections_projects_every_slot()
    {
        await using var scenario = await ClusterScenario.StartAsync(fixture, "connection-budget", ProjectionSets.Acceptance);
        var small = new NpgsqlConnectionStringBuilder(scenario.Cluster.ConnectionString) { MaxPoolSize = 6, Timeout = 5 }.ConnectionString;
        var node = scenario.Cluster.AddNode("n1", connectionString: small);
        scenario.Cluster.StartWriters(1, seed: 13);
        node.Start();
        await scenario.ExpectCountsAsync("one node with a pool of 6 holds all 12 slots", BalanceTests.Counts(("n1", 12)), await node.UpAsync(), TimeSpan.FromSeconds(10));
        await scenario.AssertExactlyOnceAsync(TimeSpan.FromSeconds(30));
    }
}
