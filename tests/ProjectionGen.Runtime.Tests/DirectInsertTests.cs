using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The safe high-water mark's proof assumes that only <c>append_events</c> writes events (marker lock, then transaction
/// id, then sequence numbers). A plain INSERT or COPY that draws its numbers without the marker could commit behind the
/// mark and be skipped by every projection, so the store refuses it with an error that says what to do instead.
/// </summary>
public sealed class DirectInsertTests(PostgresFixture postgres)
{
    private const string PlainInsert =
        "INSERT INTO projectiongen.events (seq, stream_id, version, type, data) VALUES (nextval('projectiongen.events_seq'), 'import', 1, 'item_added', '{}')";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_plain_insert_into_the_events_table_is_refused_with_a_clear_message()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "directinsert");
        await using var command = scope.DataSource.CreateCommand(PlainInsert);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));

        Assert.Equal(SchemaContext.DirectInsertSqlState, error.SqlState);
        Assert.Contains("projectiongen.append_events", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("skipped by every projection", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("append_events", error.Hint, StringComparison.Ordinal);
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
    }

    [Fact]
    public async Task A_set_based_insert_and_a_copy_are_refused_too()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "directcopy");
        await using var bulk = scope.DataSource.CreateCommand(
            "INSERT INTO projectiongen.events (seq, stream_id, version, type, data) SELECT nextval('projectiongen.events_seq'), 'bulk', g, 'item_added', '{}' FROM generate_series(1, 3) g");
        Assert.Equal(SchemaContext.DirectInsertSqlState, (await Assert.ThrowsAsync<PostgresException>(() => bulk.ExecuteNonQueryAsync(Ct))).SqlState);

        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
        var error = await Assert.ThrowsAnyAsync<PostgresException>(async () =>
        {
            await using var writer = await connection.BeginTextImportAsync("COPY projectiongen.events (seq, stream_id, version, type, data) FROM STDIN", Ct);
            await writer.WriteLineAsync("1\tcopied\t1\titem_added\t{}");
        });
        Assert.Equal(SchemaContext.DirectInsertSqlState, error.SqlState);
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
    }

    [Fact]
    public async Task Appends_through_the_store_still_work_and_a_transaction_holding_the_marker_may_insert()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "directmarker");
        var first = await scope.Store.AppendAsync("a", [new ItemAdded("x", 1), new ItemAdded("y", 2)], ExpectedVersion.NoStream, cancellationToken: Ct);
        Assert.Equal((1L, 2L), (first.FirstSequence, first.LastSequence));

        // append_events took the marker and the transaction id before drawing numbers; so may the rest of its transaction.
        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await scope.Store.AppendAsync(connection, "b", [new ItemAdded("z", 3)], ExpectedVersion.Any, null, Ct);
        await using (var insert = new NpgsqlCommand(PlainInsert, connection))
        {
            Assert.Equal(1, await insert.ExecuteNonQueryAsync(Ct));
        }

        await transaction.CommitAsync(Ct);
        Assert.Equal(4, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal(4, (await scope.Store.ReadAllAsync(0, 4, 10, null, Ct)).Count);

        // The permission is the transaction's: the next one on the same session is refused again.
        await using var again = new NpgsqlCommand(PlainInsert, connection);
        Assert.Equal(SchemaContext.DirectInsertSqlState, (await Assert.ThrowsAsync<PostgresException>(() => again.ExecuteNonQueryAsync(Ct))).SqlState);
    }
}
