using System.Text.Json;
using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>A shard reads its own streams' events, all of them, in order, and touches no other shard's rows.</summary>
public sealed class ShardReadTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_shards_partition_the_events_by_stream_and_each_keeps_its_streams_order()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "shards");
        for (var i = 0; i < 300; i++)
        {
            await scope.Store.AppendAsync($"stream-{i % 37}", [new ItemAdded("sku", i)], ExpectedVersion.Any, cancellationToken: Ct);
        }

        var mark = await scope.Store.ReadSafeHighWaterMarkAsync(Ct);
        await using var connection = await scope.Store.DataSource.OpenConnectionAsync(Ct);
        var seen = new List<(int Shard, EventEnvelope Event)>();
        for (var shard = 0; shard < 4; shard++)
        {
            var read = await scope.Store.ReadAllAsync(connection, 0, mark, 1000, [scope.Store.Types.GetName(typeof(ItemAdded))], new ShardFilter(shard, 4), Ct);
            Assert.Equal(read.Select(e => e.Sequence).Order(), read.Select(e => e.Sequence));
            seen.AddRange(read.Select(e => (shard, e)));
        }

        // Every event exactly once, every stream in exactly one shard, and more than one shard in use.
        Assert.Equal(300, seen.Count);
        Assert.Equal(300, seen.Select(x => x.Event.Sequence).Distinct().Count());
        Assert.All(seen.GroupBy(x => x.Event.StreamId), stream => Assert.Single(stream.Select(x => x.Shard).Distinct()));
        Assert.True(seen.Select(x => x.Shard).Distinct().Count() > 1);
    }

    [Fact]
    public async Task A_shard_read_scans_only_its_own_rows_through_the_shard_index()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "shardindex");
        for (var i = 0; i < 400; i++)
        {
            await scope.Store.AppendAsync($"stream-{i % 41}", [new ItemAdded("sku", i)], ExpectedVersion.Any, cancellationToken: Ct);
        }

        await using var connection = await scope.Store.DataSource.OpenConnectionAsync(Ct);
        await using (var index = new NpgsqlCommand(EventStoreSchema.ShardIndexSql(PostgresIdentifier.Parse("projectiongen", "schema"), 4), connection))
        {
            await index.ExecuteNonQueryAsync(Ct);
        }

        await using (var analyze = new NpgsqlCommand("ANALYZE projectiongen.events", connection))
        {
            await analyze.ExecuteNonQueryAsync(Ct);
        }

        var mark = await scope.Store.ReadSafeHighWaterMarkAsync(Ct);
        var types = new[] { scope.Store.Types.GetName(typeof(ItemAdded)) };
        var returned = (await scope.Store.ReadAllAsync(connection, 0, mark, 1000, types, new ShardFilter(2, 4), Ct)).Count;

        // A table this small is cheapest to scan whole; on millions of rows the planner picks the index by itself. Taking
        // the scan away shows which index the statement can use, and that it needs no filtering.
        await using (var noScan = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await noScan.ExecuteNonQueryAsync(Ct);
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + scope.Store.ShardReadSql(4, typed: true), connection);
        explain.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
        explain.Parameters.Add(new NpgsqlParameter<long> { TypedValue = mark });
        explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1000 });
        explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 2 });
        explain.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        using var document = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(Ct))!);
        var nodes = Flatten(document.RootElement[0].GetProperty("Plan")).ToList();

        // Read amplification 1: the index hands over exactly the shard's rows; no row is read and then filtered away.
        Assert.Contains(nodes, n => n.TryGetProperty("Index Name", out var name) && name.GetString() == "events_shard_4");
        Assert.DoesNotContain(nodes, n => n.GetProperty("Node Type").GetString() == "Seq Scan");
        Assert.All(nodes, n => Assert.False(n.TryGetProperty("Rows Removed by Filter", out var removed) && removed.GetDouble() > 0, "rows were read and filtered away"));
        Assert.InRange(returned, 1, 399);
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement node)
    {
        yield return node;
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray().SelectMany(Flatten))
            {
                yield return child;
            }
        }
    }
}
