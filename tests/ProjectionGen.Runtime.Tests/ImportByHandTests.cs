using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Imports and fixes by hand go through <c>append_events</c> with its eight arguments, as docs/operations.md
/// ("Importing events by hand") lists them: several streams in one transaction, the stream's version checked when an
/// expected version is given, metadata stored as given, and the events read back by the store like any other.
/// </summary>
public sealed class ImportByHandTests(PostgresFixture postgres)
{
    private const string Append =
        "SELECT first_seq, last_seq, new_version FROM projectiongen.append_events($1, $2, $3, $4, $5, $6, $7, $8)";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_streams_imported_in_one_transaction_read_back_with_their_metadata_and_versions()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "importbyhand");
        await scope.Store.AppendAsync("cart-0", [new ItemAdded("seed", 1)], ExpectedVersion.NoStream, cancellationToken: Ct);

        await using (var connection = await scope.DataSource.OpenConnectionAsync(Ct))
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            var first = await AppendAsync(connection, "cart-1", null, ["item_added", "item_added"], ["{\"Sku\":\"a\",\"Quantity\":1}", "{\"Sku\":\"b\",\"Quantity\":2}"]);
            var second = await AppendAsync(connection, "cart-2", 0, ["item_added"], ["{\"Sku\":\"c\",\"Quantity\":3}"]);
            var third = await AppendAsync(connection, "cart-1", 2, ["item_added"], ["{\"Sku\":\"d\",\"Quantity\":4}"]);
            await transaction.CommitAsync(Ct);

            Assert.Equal((2L, 3L, 2L), first);
            Assert.Equal((4L, 4L, 1L), second);
            Assert.Equal((5L, 5L, 3L), third);
        }

        var cart1 = await scope.Store.ReadStreamAsync("cart-1", Ct);
        Assert.Equal([1L, 2L, 3L], cart1.Select(e => e.StreamVersion));
        Assert.Equal(["a", "b", "d"], cart1.Select(e => ((ItemAdded)e.Data!).Sku));
        Assert.All(cart1, e => Assert.Equal(("corr-1", "cause-1", "tenant-1"), (e.CorrelationId, e.CausationId, e.TenantId)));
        Assert.Equal("order", await scope.ScalarAsync<string>("SELECT type FROM projectiongen.streams WHERE id = 'cart-1'"));
        Assert.Equal(["c"], (await scope.Store.ReadStreamAsync("cart-2", Ct)).Select(e => ((ItemAdded)e.Data!).Sku));
        Assert.Equal(5L, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
    }

    [Fact]
    public async Task A_wrong_expected_version_is_refused_with_the_streams_version_and_writes_nothing()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "importversion");
        await scope.Store.AppendAsync("cart-1", [new ItemAdded("a", 1)], ExpectedVersion.NoStream, cancellationToken: Ct);

        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
        var error = await Assert.ThrowsAsync<PostgresException>(() => AppendAsync(connection, "cart-1", 0, ["item_added"], ["{\"Sku\":\"b\",\"Quantity\":2}"]));
        Assert.Equal(SchemaContext.ConcurrencySqlState, error.SqlState);
        Assert.Equal("1", error.Hint);

        var mismatched = await Assert.ThrowsAsync<PostgresException>(() => AppendAsync(connection, "cart-1", null, ["item_added", "item_added"], ["{\"Sku\":\"b\",\"Quantity\":2}"]));
        Assert.Equal(PostgresErrorCodes.InvalidParameterValue, mismatched.SqlState);
        Assert.Single(await scope.Store.ReadStreamAsync("cart-1", Ct));
    }

    private static async Task<(long First, long Last, long Version)> AppendAsync(NpgsqlConnection connection, string stream, long? expected, string[] types, string[] bodies)
    {
        await using var command = new NpgsqlCommand(Append, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = stream, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = "order", NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expected is { } e ? e : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = bodies, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = "corr-1", NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = "cause-1", NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = "tenant-1", NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
