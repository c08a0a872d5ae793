using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A conjoined store (docs/tenancy.md) on real PostgreSQL: a stream is (tenant, stream id), so tenants append the same
/// stream ids concurrently, each with its own versions; the store refuses what would address a stream without its tenant.
/// </summary>
public sealed class ConjoinedStoreTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static EventStoreOptions Conjoined() => new() { Tenancy = TenancyStyle.Conjoined };

    [Fact]
    public async Task Two_tenants_append_the_same_stream_ids_concurrently_each_with_its_own_versions()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "conjoinedappend", Conjoined());
        string[] tenants = ["t1", "t2"];
        const int writersPerTenant = 4;
        const int appendsPerWriter = 30;

        // Several writers per tenant, all on the same five stream ids, half of them with optimistic concurrency.
        var appended = await Task.WhenAll(tenants.SelectMany((tenant, t) => Enumerable.Range(0, writersPerTenant).Select(writer => Task.Run(async () =>
        {
            var random = new Random(t * 100 + writer);
            var store = scope.Store.ForTenant(tenant);
            var count = 0;
            for (var i = 0; i < appendsPerWriter; i++)
            {
                var stream = "order-" + random.Next(5);
                var events = Enumerable.Range(0, random.Next(1, 4)).Select(n => (object)new ItemAdded($"{tenant}/{writer}/{i}/{n}", n)).ToList();
                if (writer % 2 == 0)
                {
                    await store.AppendAsync(stream, events, ExpectedVersion.Any, cancellationToken: Ct);
                }
                else
                {
                    while (true)
                    {
                        var version = (await store.ReadStreamAsync(stream, Ct)).Count;
                        try
                        {
                            await store.AppendAsync(stream, events, ExpectedVersion.Exactly(version), cancellationToken: Ct);
                            break;
                        }
                        catch (ConcurrencyException conflict)
                        {
                            Assert.Equal(tenant, conflict.TenantId);
                            Assert.Equal(stream, conflict.StreamId);
                        }
                    }
                }

                count += events.Count;
            }

            return (Tenant: tenant, Count: count);
        }, Ct))));

        foreach (var tenant in tenants)
        {
            var total = 0;
            for (var s = 0; s < 5; s++)
            {
                var stream = await scope.Store.ForTenant(tenant).ReadStreamAsync("order-" + s, Ct);
                Assert.Equal(Enumerable.Range(1, stream.Count).Select(v => (long)v), stream.Select(e => e.StreamVersion));
                Assert.All(stream, e => Assert.Equal(tenant, e.TenantId));
                Assert.All(stream, e => Assert.StartsWith(tenant + "/", ((ItemAdded)e.Data!).Sku, StringComparison.Ordinal));
                Assert.Equal(stream.Count, await scope.ScalarAsync<long>($"SELECT version FROM projectiongen.tenant_streams WHERE tenant_id = '{tenant}' AND id = 'order-{s}'"));
                total += stream.Count;
            }

            Assert.Equal(appended.Where(a => a.Tenant == tenant).Sum(a => a.Count), total);
        }

        // Nothing of a conjoined store goes to the streams table of a store without tenancy.
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.streams"));
    }

    [Fact]
    public async Task Expected_versions_are_per_tenant()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "conjoinedexpected", Conjoined());
        var t1 = scope.Store.ForTenant("t1");
        var t2 = scope.Store.ForTenant("t2");
        Assert.Equal(2, (await t1.AppendAsync("order-1", [new OrderPlaced("o1", 1m), new ItemAdded("a", 1)], ExpectedVersion.NoStream, cancellationToken: Ct)).StreamVersion);
        Assert.Equal(1, (await t2.AppendAsync("order-1", [new OrderPlaced("o1", 2m)], ExpectedVersion.NoStream, cancellationToken: Ct)).StreamVersion);

        var conflict = await Assert.ThrowsAsync<ConcurrencyException>(() => t1.AppendAsync("order-1", [new ItemAdded("b", 1)], ExpectedVersion.NoStream, cancellationToken: Ct));
        Assert.Equal("t1", conflict.TenantId);
        Assert.Equal(2, conflict.ActualVersion);
        Assert.Contains("tenant 't1'", conflict.Message, StringComparison.Ordinal);

        Assert.Equal([new OrderPlaced("o1", 2m)], (await t2.ReadStreamAsync("order-1", Ct)).Select(e => e.Data));
        Assert.Equal(2, (await t1.ReadStreamAsync("order-1", Ct)).Count);
        Assert.Empty(await scope.Store.ForTenant("t3").ReadStreamAsync("order-1", Ct));
    }

    [Fact]
    public async Task A_conjoined_store_refuses_streams_without_a_tenant_and_bad_tenant_ids()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "conjoinedrefuse", Conjoined());
        var append = await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Store.AppendAsync("order-1", [new OrderPlaced("o1", 1m)], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("ForTenant", append.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Store.ReadStreamAsync("order-1", Ct));
        await using (var connection = await scope.DataSource.OpenConnectionAsync(Ct))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Store.AppendAsync(connection, "order-1", [new OrderPlaced("o1", 1m)], ExpectedVersion.Any, null, Ct));
        }

        foreach (var bad in new[] { "", " t1", "t1 ", "t\n1", new string('t', TenantIds.MaxLength + 1) })
        {
            Assert.Throws<ArgumentException>(() => scope.Store.ForTenant(bad));
        }

        Assert.Equal(new string('t', TenantIds.MaxLength), scope.Store.ForTenant(new string('t', TenantIds.MaxLength)).TenantId);
        var other = await Assert.ThrowsAsync<ArgumentException>(() => scope.Store.ForTenant("t1").AppendAsync("order-1", [new OrderPlaced("o1", 1m)], ExpectedVersion.Any, new AppendMetadata { TenantId = "t2" }, Ct));
        Assert.Contains("'t2'", other.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));

        // The metadata may name the stream's own tenant.
        await scope.Store.ForTenant("t1").AppendAsync("order-1", [new OrderPlaced("o1", 1m)], ExpectedVersion.Any, new AppendMetadata { TenantId = "t1", CorrelationId = "c" }, Ct);
        Assert.Equal("c", Assert.Single(await scope.Store.ForTenant("t1").ReadStreamAsync("order-1", Ct)).CorrelationId);
    }

    [Fact]
    public async Task A_store_without_tenancy_refuses_ForTenant_and_keeps_one_stream_per_id_whatever_the_metadata_tenant()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "notenancy");
        Assert.Equal(TenancyStyle.None, scope.Store.Tenancy);
        Assert.Throws<InvalidOperationException>(() => scope.Store.ForTenant("t1"));

        await scope.Store.AppendAsync("order-1", [new OrderPlaced("o1", 1m)], ExpectedVersion.NoStream, new AppendMetadata { TenantId = "a" }, Ct);
        await scope.Store.AppendAsync("order-1", [new ItemAdded("x", 1)], ExpectedVersion.Exactly(1), new AppendMetadata { TenantId = "b" }, Ct);
        await Assert.ThrowsAsync<ConcurrencyException>(() => scope.Store.AppendAsync("order-1", [new ItemAdded("y", 1)], ExpectedVersion.NoStream, new AppendMetadata { TenantId = "c" }, Ct));
        Assert.Equal(["a", "b"], (await scope.Store.ReadStreamAsync("order-1", Ct)).Select(e => e.TenantId));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.tenant_streams"));
    }

    [Fact]
    public async Task The_events_table_keeps_one_event_per_stream_version_and_tenant()
    {
        // The backstop under the stream row lock: a second event of one stream, version and tenant is refused by the
        // index, whether the tenant is null (a store without tenancy) or not.
        await using var scope = await StoreScope.CreateAsync(postgres, "conjoinedunique");
        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
        var setting = new SchemaContext(PostgresIdentifier.Parse("projectiongen", "s"), Locking.AdvisoryLockKey.ForAppendMarker("projectiongen").Value, PostgresIdentifier.Parse("projectiongen_events", "c")).AppendMarkerSetting;
        foreach (var tenant in new[] { "NULL", "'t1'" })
        {
            var insert = "INSERT INTO projectiongen.events (seq, stream_id, version, type, data, tenant_id) VALUES (nextval('projectiongen.events_seq'), 's', 1, 'order_placed', '{}', " + tenant + ");";
            await using var command = new NpgsqlCommand($"BEGIN; SELECT set_config('{setting}', 'on', true); {insert} {insert}", connection);
            var duplicate = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(Ct);
        }
    }
}
